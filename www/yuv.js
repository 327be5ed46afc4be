// RGBA pixels → I420 (Y, then U and V at half resolution), with the BT.601 matrix and limited
// range (Y 16–235, U/V 16–240): what a VP8 decoder, and a player reading a WebM without colour
// information, assume. Encoding the canvas's RGB directly lets the browser pick the matrix and
// range (Chromium takes full-range BT.709), and players then show the colours shifted.

/** `VideoFrame`'s colorSpace for the planes `i420` writes. */
export const I420_COLOR_SPACE = Object.freeze({ primaries: 'bt709', transfer: 'iec61966-2-1', matrix: 'smpte170m', fullRange: false });

const clamp = (value) => (value < 0 ? 0 : value > 255 ? 255 : Math.round(value));

/**
 * The I420 planes of the top-left `width × height` (both even) of `rgba` (an ImageData's data,
 * `stride` pixels wide), in one Uint8Array: Y (width × height), then U and V (each a quarter).
 * Each U and V sample is that of the mean colour of its 2 × 2 pixels.
 */
export function i420(rgba, stride, width, height) {
  if (width % 2 || height % 2) throw new Error(`I420 needs even sides, not ${width} × ${height}`);
  const out = new Uint8Array(width * height * 3 / 2);
  const uAt = width * height;
  const vAt = uAt + uAt / 4;
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const at = ((y + dy) * stride + x + dx) * 4;
        const [pr, pg, pb] = [rgba[at], rgba[at + 1], rgba[at + 2]];
        out[(y + dy) * width + x + dx] = clamp(16 + 0.256788 * pr + 0.504129 * pg + 0.097906 * pb);
        r += pr;
        g += pg;
        b += pb;
      }
      [r, g, b] = [r / 4, g / 4, b / 4];
      const chroma = (y / 2) * (width / 2) + x / 2;
      out[uAt + chroma] = clamp(128 - 0.148223 * r - 0.290993 * g + 0.439216 * b);
      out[vAt + chroma] = clamp(128 + 0.439216 * r - 0.367788 * g - 0.071427 * b);
    }
  }
  return out;
}
