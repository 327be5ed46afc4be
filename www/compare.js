// The original and the translation, side by side or stacked with a before/after divider.

export class CompareView {
  /** `root` holds a `.view-switch` with `[data-view]` buttons and a `.compare` with two canvases and a `.slider`. */
  constructor(root, { view = 'side', onViewChange = () => {} } = {}) {
    this.root = root;
    this.compare = root.querySelector('.compare');
    const [input, output] = this.compare.querySelectorAll('canvas');
    this.input = input;
    this.output = output;
    this.slider = this.compare.querySelector('.slider');
    this.buttons = [...root.querySelectorAll('.view-switch [data-view]')];
    for (const button of this.buttons) {
      button.addEventListener('click', () => {
        this.setView(button.dataset.view);
        onViewChange(button.dataset.view);
      });
    }
    this.slider.addEventListener('input', () => this.setDivider(this.slider.value));
    this.setDivider(this.slider.value);
    this.setView(view);
  }

  /** 'side' (side by side) or 'slider' (before/after). */
  setView(view) {
    this.compare.dataset.view = view;
    for (const button of this.buttons) button.setAttribute('aria-pressed', String(button.dataset.view === view));
    this.slider.hidden = view !== 'slider';
  }

  /** Where the divider is, in percent from the left: the original shows to its left. */
  setDivider(percent) {
    this.compare.style.setProperty('--divider', `${percent}%`);
  }

  setMirror(mirror) {
    this.compare.classList.toggle('mirrored', mirror);
  }
}
