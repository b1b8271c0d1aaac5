// Masks secret values in text that leaves Sluice (function logs, and pipeline step output later), in any of
// the forms secretForms() lists, even when a value is split over several lines or chunks:
// `console.log(secret.slice(0, 5)); console.log(secret.slice(5))`, or a long base64 value wrapped.
//
// A masking stream is opened per invocation (or step). It compares the text written so far with its line
// breaks removed, so a value crossing a line boundary matches. It holds back only the pieces that end with
// the beginning of a form (they may continue in the next piece), emits the others masked, and emits
// everything at end(). Each piece is emitted once, in order, with every character of a matched form
// replaced: a value split over two lines masks both parts.

import { secretForms, withoutLineBreaks } from './secret-forms.js';

export const SECRET_MASK = '********';

export class SecretMasker {
  #patterns: readonly string[] = [];

  constructor(values: Iterable<string> = []) {
    this.setValues(values);
  }

  /** Replaces the secret values to mask (their forms are derived here). */
  setValues(values: Iterable<string>): void {
    const forms = new Set<string>();
    for (const value of values) for (const form of secretForms(value)) forms.add(form);
    this.#patterns = [...forms].sort((a, b) => b.length - a.length);
  }

  /** The forms matched, longest first, without line breaks. */
  get patterns(): readonly string[] {
    return this.#patterns;
  }

  /** Masks one whole text: every form found in it, also across its own line breaks. */
  mask(text: string): string {
    if (this.#patterns.length === 0) return text;
    const piece = toPiece(undefined, text);
    coverMatches([piece], this.#patterns);
    return render(piece);
  }
}

export interface MaskingStream<T> {
  /** Adds the next piece of text (a log line, an output chunk) with what the caller needs to emit it. */
  write(item: T, text: string): void;
  /** Emits everything still held. Pieces written afterwards are masked one by one. */
  end(): void;
}

/** A stream of one invocation's or step's text; emit receives every piece once, in order, masked. */
export function createMaskingStream<T>(masker: SecretMasker, emit: (item: T, text: string) => void): MaskingStream<T> {
  let pending: Array<Piece<T>> = [];
  let ended = false;
  return {
    write(item, text) {
      const patterns = masker.patterns;
      if (ended || (patterns.length === 0 && pending.length === 0)) {
        emit(item, ended ? masker.mask(text) : text);
        return;
      }
      pending.push(toPiece(item, text));
      const joined = coverMatches(pending, patterns);
      const holdFrom = partialMatchStart(joined, patterns);
      let offset = 0;
      let ready = 0;
      for (const piece of pending) {
        offset += piece.compact.length;
        if (offset > holdFrom) break;
        ready++;
      }
      const out = pending.slice(0, ready);
      pending = pending.slice(ready);
      for (const piece of out) emit(piece.item, render(piece));
    },
    end() {
      ended = true;
      const out = pending;
      pending = [];
      for (const piece of out) emit(piece.item, render(piece));
    },
  };
}

interface Piece<T> {
  item: T;
  text: string;
  /** The text without line breaks: what forms are compared with. */
  compact: string;
  /** Per character of `compact`: 1 when it belongs to a matched form. */
  covered: Uint8Array;
}

function toPiece<T>(item: T, text: string): Piece<T> {
  const compact = withoutLineBreaks(text);
  return { item, text, compact, covered: new Uint8Array(compact.length) };
}

/** Marks every form found in the pieces' joined compact text; returns that text. */
function coverMatches(pieces: Array<Piece<unknown>>, patterns: readonly string[]): string {
  const joined = pieces.length === 1 ? pieces[0].compact : pieces.map((p) => p.compact).join('');
  const covered = new Uint8Array(joined.length);
  let offset = 0;
  for (const piece of pieces) {
    covered.set(piece.covered, offset);
    offset += piece.compact.length;
  }
  let found = false;
  for (const pattern of patterns) {
    for (let at = joined.indexOf(pattern); at !== -1; at = joined.indexOf(pattern, at + 1)) {
      covered.fill(1, at, at + pattern.length);
      found = true;
    }
  }
  if (!found) return joined;
  offset = 0;
  for (const piece of pieces) {
    piece.covered = covered.slice(offset, offset + piece.compact.length);
    offset += piece.compact.length;
  }
  return joined;
}

/**
 * Where the earliest form that may continue past the end of the text starts (its beginning ends the text);
 * the text's length when none does. Nothing before it can take part in a future match.
 */
function partialMatchStart(text: string, patterns: readonly string[]): number {
  let earliest = text.length;
  for (const pattern of patterns) {
    const first = pattern.charCodeAt(0);
    for (let at = Math.max(0, text.length - pattern.length + 1); at < earliest; at++) {
      if (text.charCodeAt(at) === first && pattern.startsWith(text.slice(at))) {
        earliest = at;
        break;
      }
    }
  }
  return earliest;
}

/** The piece's text with each run of covered characters replaced by one mask; line breaks are kept. */
function render(piece: Piece<unknown>): string {
  if (!piece.covered.includes(1)) return piece.text;
  let out = '';
  let masking = false;
  let index = 0;
  for (const char of piece.text) {
    if (char === '\n' || char === '\r') {
      out += char;
      masking = false;
      continue;
    }
    // `for…of` walks code points; the covered flags are per UTF-16 unit, like the compact text.
    const covered = piece.covered[index] === 1;
    index += char.length;
    if (!covered) {
      out += char;
      masking = false;
    } else if (!masking) {
      out += SECRET_MASK;
      masking = true;
    }
  }
  return out;
}
