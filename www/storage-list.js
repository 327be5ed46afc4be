// "Stored in this browser": the models whose files this browser keeps, the site's models downloaded
// once and those kept from this computer, each with its size and "Forget", so room can be made (or
// a model let go) without first switching to it. Shown only while a model is stored.

import { formatBytes } from './status.js';

const $ = (id) => document.getElementById(id);

const dayText = (time) => new Date(time).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

export class StorageListView {
  /**
   * @param {{ label: (entry) => string, onForget: (entry) => void }} options
   *   `label`: the model's name as the model list says it; `onForget`: its "Forget" was pressed.
   */
  constructor({ label, onForget }) {
    this.box = $('stored');
    this.summary = $('stored-summary');
    this.list = $('stored-list');
    this.label = label;
    this.onForget = onForget;
  }

  /**
   * Lists the stored models: `downloaded`, the site's (`{ entry, bytes }`), then `kept`, those from
   * this computer (`entry.local.keptBytes`, `keptAt`); `inUse`: the model loaded. Hidden when none.
   */
  show({ downloaded, kept, inUse }) {
    const rows = [
      ...downloaded.map(({ entry, bytes }) => ({ entry, bytes, about: 'downloaded from this site' })),
      ...kept.map((entry) => ({
        entry,
        bytes: entry.local.keptBytes ?? 0,
        about: `from this computer${entry.local.keptAt ? `, kept ${dayText(entry.local.keptAt)}` : ''}`,
      })),
    ];
    const total = rows.reduce((sum, row) => sum + row.bytes, 0);
    this.box.hidden = rows.length === 0;
    this.summary.textContent = `Stored in this browser: ${rows.length === 1 ? '1 model' : `${rows.length} models`}, ${formatBytes(total)}`;
    this.list.replaceChildren(...rows.map(({ entry, bytes, about }) => {
      const item = document.createElement('li');
      const name = document.createElement('span');
      name.textContent = this.label(entry) + (entry === inUse ? ' (in use)' : '');
      const details = document.createElement('span');
      details.textContent = `${formatBytes(bytes)}, ${about}`;
      const forget = document.createElement('button');
      forget.type = 'button';
      forget.className = 'link-button';
      forget.textContent = 'Forget';
      forget.setAttribute('aria-label', `Forget ${entry.name} (${about})`);
      forget.addEventListener('click', () => this.onForget(entry));
      item.append(name, details, forget);
      return item;
    }));
  }
}
