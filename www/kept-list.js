// "Kept in this browser": every model kept from this computer, with its size and when it was kept,
// each with "Forget", so room can be made (or a model let go) without first switching to it.
// Shown only while there is a kept model.

const $ = (id) => document.getElementById(id);

const sizeText = (bytes) => (bytes < 1e6 ? `${Math.max(1, Math.round(bytes / 1e3))} kB` : `${(bytes / 1e6).toFixed(1)} MB`);
const dayText = (time) => new Date(time).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });

export class KeptListView {
  /**
   * @param {{ label: (entry) => string, onForget: (entry) => void }} options
   *   `label`: the model's name as the model list says it; `onForget`: "Forget" was pressed.
   */
  constructor({ label, onForget }) {
    this.box = $('kept');
    this.summary = $('kept-summary');
    this.list = $('kept-list');
    this.label = label;
    this.onForget = onForget;
  }

  /** Lists `entries` (the kept models; `inUse`: the one loaded), or hides the list when there are none. */
  show(entries, inUse) {
    const total = entries.reduce((sum, entry) => sum + (entry.local.keptBytes ?? 0), 0);
    this.box.hidden = entries.length === 0;
    this.summary.textContent = `Kept in this browser: ${entries.length === 1 ? '1 model' : `${entries.length} models`}, ${sizeText(total)}`;
    this.list.replaceChildren(...entries.map((entry) => {
      const item = document.createElement('li');
      const name = document.createElement('span');
      name.textContent = this.label(entry) + (entry === inUse ? ' (in use)' : '');
      const about = document.createElement('span');
      about.className = 'kept-about';
      about.textContent = [sizeText(entry.local.keptBytes ?? 0), entry.local.keptAt ? `kept ${dayText(entry.local.keptAt)}` : null].filter(Boolean).join(', ');
      const forget = document.createElement('button');
      forget.type = 'button';
      forget.className = 'link-button';
      forget.textContent = 'Forget';
      forget.setAttribute('aria-label', `Forget ${entry.name}`);
      forget.addEventListener('click', () => this.onForget(entry));
      item.append(name, about, forget);
      return item;
    }));
  }
}
