// Myers' shortest edit script between two sequences of line IDs, in linear space (Myers 1986,
// "An O(ND) Difference Algorithm and Its Variations"): no N×M table, so megabyte scripts fit.

/**
 * Sets to 1 the entries of `changedA` and `changedB` (as long as `a` and `b`, zero-filled) whose
 * element is left out of the common subsequence found.
 *
 * Divide and conquer on the middle snake (Myers 1986, section 4b). Past `tooExpensive` edit steps
 * the search settles for the furthest-reaching point instead of the exact middle, as GNU diff
 * does: the diff stays correct but may be a little longer than minimal on pathological input.
 */
export function myers(
  a: Int32Array,
  b: Int32Array,
  changedA: Uint8Array,
  changedB: Uint8Array,
): void {
  const offset = b.length + 1;
  const forward = new Int32Array(a.length + b.length + 3);
  const backward = new Int32Array(a.length + b.length + 3);
  const tooExpensive = Math.max(256, Math.ceil(Math.sqrt(a.length + b.length)) * 4);
  const stack: number[] = [0, a.length, 0, b.length];
  while (stack.length > 0) {
    let yHi = stack.pop() as number;
    let yLo = stack.pop() as number;
    let xHi = stack.pop() as number;
    let xLo = stack.pop() as number;
    while (xLo < xHi && yLo < yHi && a[xLo] === b[yLo]) {
      xLo++;
      yLo++;
    }
    while (xLo < xHi && yLo < yHi && a[xHi - 1] === b[yHi - 1]) {
      xHi--;
      yHi--;
    }
    if (xLo === xHi) {
      changedB.fill(1, yLo, yHi);
    } else if (yLo === yHi) {
      changedA.fill(1, xLo, xHi);
    } else {
      const [x, y] = middle(a, b, xLo, xHi, yLo, yHi, forward, backward, offset, tooExpensive);
      if ((x === xLo && y === yLo) || (x === xHi && y === yHi)) {
        // No progress possible from this split; replacing the whole range is still a valid diff.
        changedA.fill(1, xLo, xHi);
        changedB.fill(1, yLo, yHi);
      } else {
        stack.push(xLo, x, yLo, y, x, xHi, y, yHi);
      }
    }
  }
}

/** A point on a shortest edit path through the box, near its middle. Diagonals are k = x − y. */
function middle(
  a: Int32Array,
  b: Int32Array,
  xLo: number,
  xHi: number,
  yLo: number,
  yHi: number,
  fd: Int32Array,
  bd: Int32Array,
  offset: number,
  tooExpensive: number,
): [number, number] {
  const kMin = xLo - yHi;
  const kMax = xHi - yLo;
  const fMid = xLo - yLo;
  const bMid = xHi - yHi;
  const odd = ((fMid - bMid) & 1) !== 0;
  let fMin = fMid;
  let fMax = fMid;
  let bMin = bMid;
  let bMax = bMid;
  fd[fMid + offset] = xLo;
  bd[bMid + offset] = xHi;
  for (let cost = 1; ; cost++) {
    if (fMin > kMin) fd[--fMin - 1 + offset] = -1;
    else fMin++;
    if (fMax < kMax) fd[++fMax + 1 + offset] = -1;
    else fMax--;
    for (let k = fMax; k >= fMin; k -= 2) {
      const below = fd[k - 1 + offset] as number;
      const above = fd[k + 1 + offset] as number;
      let x = below >= above ? below + 1 : above;
      let y = x - k;
      while (x < xHi && y < yHi && a[x] === b[y]) {
        x++;
        y++;
      }
      fd[k + offset] = x;
      if (odd && bMin <= k && k <= bMax && (bd[k + offset] as number) <= x) return [x, y];
    }

    if (bMin > kMin) bd[--bMin - 1 + offset] = 0x7fffffff;
    else bMin++;
    if (bMax < kMax) bd[++bMax + 1 + offset] = 0x7fffffff;
    else bMax--;
    for (let k = bMax; k >= bMin; k -= 2) {
      const below = bd[k - 1 + offset] as number;
      const above = bd[k + 1 + offset] as number;
      let x = below < above ? below : above - 1;
      let y = x - k;
      while (x > xLo && y > yLo && a[x - 1] === b[y - 1]) {
        x--;
        y--;
      }
      bd[k + offset] = x;
      if (!odd && fMin <= k && k <= fMax && x <= (fd[k + offset] as number)) return [x, y];
    }

    if (cost >= tooExpensive) {
      let fBest = -1;
      let fx = xLo;
      for (let k = fMax; k >= fMin; k -= 2) {
        let x = Math.min(fd[k + offset] as number, xHi);
        let y = x - k;
        if (y > yHi) {
          x = yHi + k;
          y = yHi;
        }
        if (x + y > fBest) {
          fBest = x + y;
          fx = x;
        }
      }
      let bBest = Number.MAX_SAFE_INTEGER;
      let bx = xHi;
      for (let k = bMax; k >= bMin; k -= 2) {
        let x = Math.max(bd[k + offset] as number, xLo);
        let y = x - k;
        if (y < yLo) {
          x = yLo + k;
          y = yLo;
        }
        if (x + y < bBest) {
          bBest = x + y;
          bx = x;
        }
      }
      return xHi + yHi - bBest < fBest - (xLo + yLo) ? [fx, fBest - fx] : [bx, bBest - bx];
    }
  }
}
