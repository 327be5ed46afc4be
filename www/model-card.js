// A model's card (MODEL_CARD.md: what it was trained on, its scores, a sample grid), shown in the
// page: a dialog with the card's Markdown rendered. Only the subset the trainer writes and people
// commonly add is understood (headings, paragraphs, lists, pipe tables, code, images, links,
// bold and italic); everything is put in the page as text, never as HTML, so a card cannot run
// anything. Pictures resolve beside the card: on the site, or among a local model's files.

const $ = (id) => document.getElementById(id);

export class ModelCardView {
  constructor() {
    this.dialog = $('card-dialog');
    this.body = $('card-body');
    this.raw = $('card-raw');
    this.urls = []; // blob: URLs made for a local model's pictures, revoked on close
    $('card-close').addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('close', () => {
      this.body.replaceChildren();
      for (const url of this.urls.splice(0)) URL.revokeObjectURL(url);
    });
  }

  /**
   * Shows `text` (the card's Markdown); `resolve(path)` gives the URL of a picture or link the card
   * names (null: none). `rawUrl` is the card as text, offered for a new tab.
   */
  show(text, resolve, rawUrl) {
    this.body.replaceChildren(renderMarkdown(text, (path) => {
      const url = resolve(path);
      if (url?.startsWith('blob:')) this.urls.push(url);
      return url;
    }));
    this.raw.href = rawUrl;
    if (!this.dialog.open) this.dialog.showModal();
    this.body.scrollTop = 0;
  }
}

/** The URL `path` names in a card at `cardUrl` on the site: same site only for pictures (CSP). */
export function siteResolver(cardUrl) {
  return (path) => {
    try {
      return new URL(path, cardUrl).href;
    } catch {
      return null;
    }
  };
}

const el = (tag, text) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
};

const TABLE_RULE = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s+(.*)$/;
const HEADING = /^(#{1,6})\s+(.*?)(\s+#+)?\s*$/;

/** A DocumentFragment for the card's Markdown (see the module's header for the subset). */
export function renderMarkdown(text, resolve) {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out = document.createDocumentFragment();
  const startsBlock = (at) => {
    const line = lines[at];
    return HEADING.test(line) || LIST_ITEM.test(line) || /^\s*```/.test(line) || (line.includes('|') && TABLE_RULE.test(lines[at + 1] ?? ''));
  };
  let at = 0;
  while (at < lines.length) {
    const line = lines[at];
    if (!line.trim()) {
      at += 1;
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      // The page has its own h1: a card's "#" is a section of the page.
      out.append(inline(el(`h${Math.min(heading[1].length + 1, 6)}`), heading[2], resolve));
      at += 1;
    } else if (/^\s*```/.test(line)) {
      const code = [];
      for (at += 1; at < lines.length && !/^\s*```/.test(lines[at]); at += 1) code.push(lines[at]);
      at += 1;
      const pre = el('pre');
      pre.append(el('code', code.join('\n')));
      out.append(pre);
    } else if (line.includes('|') && TABLE_RULE.test(lines[at + 1] ?? '')) {
      const table = el('table');
      const header = row(line, 'th', resolve);
      if (header.textContent.trim() || header.querySelector('img')) { // a header of empty cells ("| | |") is left out
        const head = el('thead');
        head.append(header);
        table.append(head);
      }
      const rows = el('tbody');
      for (at += 2; at < lines.length && lines[at].includes('|') && lines[at].trim(); at += 1) rows.append(row(lines[at], 'td', resolve));
      table.append(rows);
      const wrap = el('div');
      wrap.className = 'card-table';
      wrap.append(table);
      out.append(wrap);
    } else if (LIST_ITEM.test(line)) {
      const list = el(/^\s*\d/.test(line) ? 'ol' : 'ul');
      let item = null;
      for (; at < lines.length && lines[at].trim(); at += 1) {
        const match = LIST_ITEM.exec(lines[at]);
        if (match) {
          item = el('li');
          list.append(item);
          inline(item, match[2], resolve);
        } else {
          inline(item, ` ${lines[at].trim()}`, resolve); // a continuation line
        }
      }
      out.append(list);
    } else {
      const paragraph = [];
      for (; at < lines.length && lines[at].trim() && (paragraph.length === 0 || !startsBlock(at)); at += 1) paragraph.push(lines[at].trim());
      out.append(inline(el('p'), paragraph.join(' '), resolve));
    }
  }
  return out;
}

/** A table row's cells (`|` separated; `\|` is a bar in a cell). */
function row(line, cellTag, resolve) {
  const tr = el('tr');
  const cells = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '').split(/(?<!\\)\|/);
  for (const cell of cells) tr.append(inline(el(cellTag), cell.trim().replace(/\\\|/g, '|'), resolve));
  return tr;
}

// Images, links, code, bold, italic; underscores only between non-word characters (a_to_b stays).
const INLINE = /!\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)|\[([^\]]+)\]\(([^)\s]+)(?:\s+"[^"]*")?\)|`([^`]+)`|\*\*(.+?)\*\*|(?<![\w])__(.+?)__(?![\w])|\*([^*\s](?:[^*]*[^*\s])?)\*|(?<![\w])_([^_\s](?:[^_]*[^_\s])?)_(?![\w])/g;

/** Appends the inline Markdown `text` to `parent` (as text and elements) and returns `parent`. */
function inline(parent, text, resolve) {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    parent.append(text.slice(last, match.index));
    last = match.index + match[0].length;
    const [, alt, src, label, href, code, strong, strong2, em, em2] = match;
    if (src !== undefined) {
      const url = resolve(src);
      if (url) {
        const image = el('img');
        image.alt = alt;
        image.src = url;
        parent.append(image);
      } else {
        parent.append(alt);
      }
    } else if (label !== undefined) {
      const url = /^(https?:|mailto:)/i.test(href) ? href : /^[a-z][a-z0-9+.-]*:/i.test(href) ? null : resolve(href);
      if (url) {
        const link = inline(el('a'), label, resolve);
        link.href = url;
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
        parent.append(link);
      } else {
        inline(parent, label, resolve);
      }
    } else if (code !== undefined) {
      parent.append(el('code', code));
    } else if (strong !== undefined || strong2 !== undefined) {
      parent.append(inline(el('strong'), strong ?? strong2, resolve));
    } else {
      parent.append(inline(el('em'), em ?? em2, resolve));
    }
  }
  parent.append(text.slice(last));
  return parent;
}
