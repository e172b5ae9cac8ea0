/**
 * A fast, guarded, streaming XML reader for verzamelbestanden: the same contract as
 * XmlStream in suwiml/xml/tree.ts (elements at a chosen depth are handed over complete
 * and forgotten; the elements above it are announced when they open; the same XElement
 * shape, the same XmlError rule codes, the same refusals: no DOCTYPE, no processing
 * instructions, limits on depth, elements and attributes), but several times faster.
 *
 * Why a second reader: saxes, under XmlStream, reads a file of 100,000 clients at about
 * a fifth of the speed of `xmllint --stream`, and the verzamelbestand has to load within
 * three times xmllint's time (docs/benchmarks.md). This reader scans JavaScript strings
 * with the engine's native indexOf and sticky regular expressions instead of one
 * character at a time. It checks the well-formedness rules of XML 1.0 (fifth edition)
 * and Namespaces in XML 1.0 for documents without a DTD: names, attribute syntax and
 * uniqueness, namespace bindings, character and entity references (only the five
 * predefined entities exist without a DTD), comments, CDATA sections, end tags that
 * match, one root element, characters that XML allows. The test suite runs it against
 * saxes on generated and mutated documents (test/batch/scan.test.ts): both must accept
 * and refuse the same documents and build the same trees.
 *
 * A fast path for records (./fast): when an element at emitDepth starts and a FastRecordPath
 * is set, the scanner first lets it decode the whole record straight from the buffer, without
 * events or a tree. The fast path takes only a strict, common subset (see ./fast) and
 * otherwise bails out, and the scanner then reads the record as usual, so that the outcome
 * for any input is the same with or without it (test/batch/fast.test.ts checks that).
 *
 * Differences from XmlStream, all stricter: only XML version 1.0 and encoding UTF-8 are
 * accepted in the XML declaration (the reader is fed text decoded as UTF-8); a surrogate
 * without its pair (which no UTF-8 file can hold) is refused anywhere; a prefixed name
 * whose local part is not an NCName (`p:-y`, `p:1y`) is refused, as Namespaces in XML
 * requires (saxes lets it through); a single
 * token (tag, comment, text node) may not exceed `maxToken` characters, so that memory
 * stays bounded whatever the input.
 */
import { XmlError, type XAttr, type XElement, type XmlLimits } from '../suwiml/xml/tree.js';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

const NC_START =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D' +
  '\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NC_CHAR = `${NC_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
/** A qualified name (NCName, optionally prefixed), sticky. */
// Combining marks are NameChars in XML, so the class lists them on purpose.
// eslint-disable-next-line no-misleading-character-class
const QNAME = new RegExp(`[${NC_START}][${NC_CHAR}]*(?::[${NC_START}][${NC_CHAR}]*)?`, 'uy');
/** Any XML Name (for telling an unknown entity from a malformed reference). */
// eslint-disable-next-line no-misleading-character-class
const NAME = new RegExp(`^[:${NC_START}][:${NC_CHAR}]*$`, 'u');
/** Characters XML 1.0 does not allow anywhere, and surrogates that do not form a pair. */
const BAD_CHAR =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** The XML declaration, as a whole. */
const XML_DECL =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"([^"]*)"|'([^']*)'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(yes|no)"|'(yes|no)'))?[ \t\r\n]*\?>$/;
/**
 * A quick pre-test for BAD_CHAR: a plain character class, which the engine scans far faster
 * than BAD_CHAR's lookarounds. Only a chunk with a candidate (a surrogate, which is fine in
 * a pair, or a forbidden character) goes through the full expression.
 */
// eslint-disable-next-line no-control-regex
const MAYBE_BAD = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;
const ONLY_S = /^[ \t\r\n]*$/;

const EMPTY_ATTRS: readonly XAttr[] = Object.freeze([]);

/** Namespace bindings in scope; a new scope only where an element declares some. */
interface Scope {
  readonly defaultNs: string;
  readonly prefixes: Readonly<Record<string, string>>;
}

const ROOT_SCOPE: Scope = { defaultNs: '', prefixes: Object.freeze({ xml: XML_NS }) };

/**
 * Receives the elements at and below emitDepth as events. The scanner has checked
 * well-formedness and resolved namespaces; the sink decides what to build.
 */
export interface RecordSink {
  /** An element opens; `attrs` holds its attributes other than namespace declarations, if any. */
  open(name: string, local: string, uri: string, attrs: readonly XAttr[] | undefined, pos: number): void;
  /** Character data of the innermost open element (references resolved, line ends normalized). */
  text(t: string): void;
  close(): void;
  /**
   * The element at emitDepth has closed. `source()` gives its text exactly as in the
   * input; valid only during this call.
   */
  record(index: number, line: number, source: () => string): void;
}

/** FastRecordPath.decode: the record is not in the subset; read it the generic way. */
export const FAST_BAIL = -1;
/** FastRecordPath.decode: the record's end is not in the buffer yet. */
export const FAST_MORE = -2;

/**
 * Decodes a whole element at emitDepth straight from the scanner's buffer (see ./fast). It
 * must return a position only for an element that the generic path would read without an
 * error, as the same values; and FAST_MORE only when the generic path, given the same
 * buffer, would not stop with an error either (it would wait for more input too).
 */
export interface FastRecordPath {
  /**
   * The element starts at `buf[pos]` (a `<`). It may hold at most `maxElements` elements
   * (itself included) and `maxLevels` levels (itself being level 1), else the path bails
   * out so that the generic path reports the limit. Returns the position after the
   * element's end tag, FAST_MORE or FAST_BAIL.
   */
  decode(buf: string, pos: number, maxElements: number, maxLevels: number): number;
  /** After a successful decode: the number of elements of the record, itself included. */
  readonly elements: number;
}

export interface ScanOptions {
  limits: XmlLimits;
  /** Elements at this depth (root = 1) are handed over when complete and not kept. */
  emitDepth: number;
  /** Either a sink for the events at and below emitDepth ... */
  sink?: RecordSink;
  /** ... or a callback with each complete element at emitDepth, built as a tree. */
  onElement?: (el: XElement, index: number) => void;
  /** Called with the start tag of every element above emitDepth. */
  onOpen?: (el: XElement, depth: number) => void;
  /** Longest single token (tag, text node, comment, CDATA section) in characters; default 4 Mi. */
  maxToken?: number;
  /** Longest element at emitDepth in characters, when a sink is used; default 16 Mi. */
  maxRecord?: number;
  /**
   * Most elements one element at emitDepth may hold (itself included), so that the tree
   * of one record stays bounded whatever the input; default: no limit beyond maxElements.
   */
  maxRecordElements?: number;
  /**
   * Called for each element at emitDepth that the fast path (see useFastPath) decoded, with
   * its line and index; the path holds the decoded value until its next decode.
   */
  onFastElement?: (line: number, index: number) => void;
}

/**
 * Longest part of a record, in characters, for which the scanner waits when the fast path
 * says FAST_MORE, and how many times it waits for one record; beyond either, the generic
 * path reads the record, so that no record is scanned over and over and the wait stays far
 * below maxToken.
 */
const FAST_MAX_WAIT_CHARS = 256 * 1024;
const FAST_MAX_WAITS = 8;

function isS(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/**
 * A name matched up to a colon that ends the buffer (`xmlns:`, `q:`) may go on with its
 * local part in the next chunk: the tag is not complete yet.
 */
function nameMayGoOn(buf: string, end: number): boolean {
  return end === buf.length - 1 && buf.charCodeAt(end) === 0x3a;
}

/**
 * The end of an element name of ASCII letters, digits, `_`, `-` and `.` starting at `from`,
 * when a character that cannot belong to a name follows it; otherwise `from`, and the caller
 * uses QNAME (a prefix, a non-ASCII character, or the end of the buffer). Nearly every tag
 * of a verzamelbestand takes this path, which is several times cheaper than the Unicode
 * expression.
 */
function asciiNameEnd(buf: string, from: number): number {
  let c = buf.charCodeAt(from);
  // A name starts with a letter or _.
  if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f)) return from;
  let i = from + 1;
  for (;;) {
    c = buf.charCodeAt(i);
    if (
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x5f ||
      c === 0x2d ||
      c === 0x2e
    ) {
      i++;
      continue;
    }
    // After the name: >, / or white space; NaN (the end of the buffer), : or any other
    // character is left to the full expression.
    return c === 0x3e || c === 0x2f || isS(c) ? i : from;
  }
}

/** Line ends as an XML processor reports them: CR LF and a lone CR become LF. */
function normalizeNewlines(s: string): string {
  return s.indexOf('\r') < 0 ? s : s.replace(/\r\n?/g, '\n');
}

const UNKNOWN = -2;

export class XmlScanner {
  private buf = '';
  private pos = 0;
  private readonly stack: XElement[] = [];
  private readonly scopes: Scope[] = [];
  private scope: Scope = ROOT_SCOPE;
  private root: XElement | undefined;
  private rootClosed = false;
  /** Nothing but a BOM has been read: the XML declaration may still come. */
  private atStart = true;
  private elements = 0;
  private emitted = 0;
  private bytes = 0;
  private readonly started = Date.now();
  private readonly maxToken: number;
  private readonly emitDepth: number;
  private readonly limits: XmlLimits;
  // Line numbers: lineNo is the line at buffer position lineScan; nextNl caches the next LF.
  private lineNo = 1;
  private lineScan = 0;
  private nextNl = UNKNOWN;
  private ended = false;
  private recordElements = 0;
  private readonly maxRecordElements: number;
  /** A high surrogate that ended the last chunk: its pair may start the next one. */
  private high = '';
  private fast: FastRecordPath | undefined;
  /** Times the fast path has said FAST_MORE for the record at pos. */
  private fastWaits = 0;
  private readonly fastMaxWait: number;
  /** Records read by the fast path and by the generic path (for tests and benchmarks). */
  fastRecords = 0;

  constructor(private readonly o: ScanOptions) {
    this.maxToken = o.maxToken ?? 4 * 1024 * 1024;
    this.maxRecordElements = o.maxRecordElements ?? Infinity;
    this.emitDepth = o.emitDepth;
    this.limits = o.limits;
    this.fastMaxWait = Math.min(FAST_MAX_WAIT_CHARS, this.maxToken >> 1);
  }

  /**
   * Lets `path` try every element at emitDepth from now on (undefined: none). Its records
   * go to onFastElement instead of onElement.
   */
  useFastPath(path: FastRecordPath | undefined): void {
    this.fast = path;
  }

  /** Line of the next unread character (1-based). */
  get line(): number {
    return this.lineAt(this.pos);
  }

  /**
   * Whether all that was written so far ends between two elements at depth 1 (inside the
   * root, nothing open below it, nothing but white space left unread, no text in the
   * root), and the line after it. A reader that splits a file into parts (./reader) checks
   * that each part starts and ends at such a place, where the scanner's state is the same
   * whichever records came before.
   */
  grens(): { ok: boolean; line: number } {
    let ok =
      !this.ended &&
      !this.rootClosed &&
      this.high === '' &&
      this.stack.length === 1 &&
      this.stack[0]!.text === '' &&
      this.stack[0]!.children.length === 0;
    for (let i = this.pos; ok && i < this.buf.length; i++) ok = isS(this.buf.charCodeAt(i));
    // Counted without moving the line cache on (it may only move forward).
    let line = this.lineNo;
    for (let i = this.buf.indexOf('\n', this.lineScan); i >= 0; i = this.buf.indexOf('\n', i + 1)) line++;
    return { ok, line };
  }

  write(chunk: string): void {
    if (this.ended) throw new XmlError('xml-syntax', 'geen goedgevormde XML: er is na het einde geschreven');
    if (this.high) {
      chunk = this.high + chunk;
      this.high = '';
    }
    const last = chunk.charCodeAt(chunk.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.high = chunk.slice(-1);
      chunk = chunk.slice(0, -1);
    }
    if (chunk.length === 0) return;
    if (this.limits.maxBytes !== Infinity && this.limits.maxBytes < Number.MAX_SAFE_INTEGER) {
      this.bytes += Buffer.byteLength(chunk);
      if (this.bytes > this.limits.maxBytes)
        throw new XmlError('limiet-grootte', `het bericht is groter dan ${this.limits.maxBytes} bytes`);
    }
    const bad = MAYBE_BAD.test(chunk) ? BAD_CHAR.exec(chunk) : null;
    if (bad) {
      // Report the line of the character: count the lines up to it first.
      this.append(chunk.slice(0, bad.index));
      throw this.syntax('een teken dat XML niet toestaat', this.buf.length);
    }
    this.append(chunk);
    this.parse(false);
    if (this.buf.length - this.pos > this.maxToken)
      throw new XmlError(
        'limiet-token',
        `een tag, tekst of commentaar is langer dan ${this.maxToken} tekens`,
        this.lineAt(this.pos),
      );
  }

  /** Ends the stream; returns the root element (without the elements handed over). */
  end(): XElement {
    if (this.high) {
      this.high = '';
      throw this.syntax('een teken dat XML niet toestaat', this.buf.length);
    }
    if (!this.ended) {
      this.parse(true);
      this.ended = true;
    }
    if (this.stack.length > 0) {
      throw new XmlError(
        'xml-syntax',
        `geen goedgevormde XML: het bestand houdt op binnen element ${this.stack[this.stack.length - 1]!.name}`,
        this.lineAt(this.buf.length),
      );
    }
    if (!this.root) throw new XmlError('xml-syntax', 'geen root-element');
    return this.root;
  }

  // ------------------------------------------------------------------ buffer and lines

  private append(chunk: string): void {
    if (this.pos > 0) {
      // Lines before pos are counted already or will be counted from lineScan.
      if (this.lineScan < this.pos) this.lineAt(this.pos);
      this.lineScan = Math.max(0, this.lineScan - this.pos);
      this.buf = this.buf.slice(this.pos) + chunk;
      this.pos = 0;
    } else {
      this.buf += chunk;
    }
    this.nextNl = UNKNOWN;
  }

  private lineAt(p: number): number {
    for (;;) {
      if (this.nextNl === UNKNOWN) this.nextNl = this.buf.indexOf('\n', this.lineScan);
      if (this.nextNl < 0 || this.nextNl >= p) return this.lineNo;
      this.lineNo++;
      this.lineScan = this.nextNl + 1;
      this.nextNl = UNKNOWN;
    }
  }

  private syntax(what: string, at: number): XmlError {
    return new XmlError(
      'xml-syntax',
      `geen goedgevormde XML: ${what}`,
      this.lineAt(Math.max(at, this.lineScan)),
    );
  }

  // ------------------------------------------------------------------ the scanner

  private parse(final: boolean): void {
    const buf = this.buf;
    const len = buf.length;
    let pos = this.pos;
    if (this.atStart && pos < len) {
      if (buf.charCodeAt(pos) === 0xfeff) pos++;
      if (pos >= len) {
        this.pos = pos;
        return;
      }
    }
    while (pos < len) {
      if (buf.charCodeAt(pos) !== 0x3c) {
        let lt = buf.indexOf('<', pos);
        if (lt < 0) {
          if (!final) break;
          lt = len;
        }
        this.text(buf, pos, lt);
        this.atStart = false;
        pos = lt;
        continue;
      }
      let next: number;
      const c1 = pos + 1 < len ? buf.charCodeAt(pos + 1) : -1;
      if (c1 === 0x2f) next = this.endTag(buf, pos);
      else if (c1 === 0x21) next = this.bang(buf, pos);
      else if (c1 === 0x3f) next = this.pi(buf, pos);
      else if (c1 === -1) next = -1;
      else if (this.fast !== undefined && this.stack.length === this.emitDepth - 1)
        next = this.fastRecord(buf, pos, final);
      else next = this.startTag(buf, pos);
      if (next < 0) {
        if (final) throw this.incomplete(pos);
        break;
      }
      this.atStart = false;
      pos = next;
    }
    this.pos = pos;
  }

  /**
   * An element at emitDepth starts at pos: the fast path decodes it, or says it needs more
   * input (the scanner waits, within bounds), or bails out to the generic path. The counts
   * and limits come out as if the generic path had read the record.
   */
  private fastRecord(buf: string, pos: number, final: boolean): number {
    const l = this.limits;
    // Unqualified children must have no namespace; a time limit is checked between records.
    if (
      this.scope.defaultNs !== '' ||
      this.rootClosed ||
      (l.maxMillis !== Infinity && Date.now() - this.started > l.maxMillis)
    )
      return this.startTag(buf, pos);
    const fast = this.fast!;
    const r = fast.decode(
      buf,
      pos,
      Math.min(l.maxElements - this.elements, this.maxRecordElements),
      l.maxDepth - this.stack.length,
    );
    if (r >= 0) {
      this.fastWaits = 0;
      this.elements += fast.elements;
      this.recordElements = fast.elements;
      this.fastRecords++;
      this.o.onFastElement?.(this.lineAt(pos), this.emitted++);
      return r;
    }
    if (
      r === FAST_MORE &&
      !final &&
      buf.length - pos <= this.fastMaxWait &&
      this.fastWaits < FAST_MAX_WAITS
    ) {
      this.fastWaits++;
      return -1;
    }
    this.fastWaits = 0;
    return this.startTag(buf, pos);
  }

  private incomplete(at: number): XmlError {
    if (this.stack.length > 0)
      return new XmlError(
        'xml-syntax',
        `geen goedgevormde XML: het bestand houdt op binnen element ${this.stack[this.stack.length - 1]!.name}`,
        this.lineAt(at),
      );
    return this.syntax('onvolledige markup aan het einde', at);
  }

  private text(buf: string, from: number, to: number): void {
    const depth = this.stack.length;
    if (depth === 0) {
      if (!ONLY_S.test(buf.slice(from, to))) {
        throw new XmlError('xml-syntax', 'tekst buiten het root-element', this.lineAt(from));
      }
      return;
    }
    let t = buf.slice(from, to);
    if (depth < this.emitDepth && t.trim() === '') return;
    if (t.indexOf(']]>') >= 0) throw this.syntax(']]> mag niet in tekst staan', from);
    t = normalizeNewlines(t);
    if (t.indexOf('&') >= 0) t = this.references(t, from);
    this.stack[depth - 1]!.text += t;
  }

  /** Replaces character and entity references; every & must start one. */
  private references(t: string, at: number): string {
    let out = '';
    let last = 0;
    let amp = t.indexOf('&');
    while (amp >= 0) {
      const semi = t.indexOf(';', amp + 1);
      if (semi < 0) throw this.syntax('een & zonder afsluitende ;', at);
      const ref = t.slice(amp + 1, semi);
      let ch: string;
      switch (ref) {
        case 'lt':
          ch = '<';
          break;
        case 'gt':
          ch = '>';
          break;
        case 'amp':
          ch = '&';
          break;
        case 'apos':
          ch = "'";
          break;
        case 'quot':
          ch = '"';
          break;
        default: {
          let cp: number;
          if (/^#x[0-9a-fA-F]+$/.test(ref)) cp = ref.length > 10 ? NaN : parseInt(ref.slice(2), 16);
          else if (/^#[0-9]+$/.test(ref)) cp = ref.length > 10 ? NaN : parseInt(ref.slice(1), 10);
          else if (NAME.test(ref))
            throw this.syntax(
              'een onbekende entiteit (zonder DTD bestaan alleen lt, gt, amp, apos en quot)',
              at,
            );
          else throw this.syntax('een ongeldige verwijzing na &', at);
          if (!isXmlChar(cp))
            throw this.syntax('een tekenverwijzing naar een teken dat XML niet toestaat', at);
          ch = String.fromCodePoint(cp);
        }
      }
      out += t.slice(last, amp) + ch;
      last = semi + 1;
      amp = t.indexOf('&', last);
    }
    return out + t.slice(last);
  }

  /** `<!--`, `<![CDATA[` or `<!DOCTYPE`; returns the position after it, or -1 when incomplete. */
  private bang(buf: string, pos: number): number {
    const len = buf.length;
    if (buf.startsWith('<!--', pos)) {
      const close = buf.indexOf('-->', pos + 4);
      if (close < 0) return -1;
      const body = buf.slice(pos + 4, close);
      if (body.indexOf('--') >= 0 || body.endsWith('-')) throw this.syntax('-- in commentaar', pos);
      return close + 3;
    }
    if (buf.startsWith('<![CDATA[', pos)) {
      const close = buf.indexOf(']]>', pos + 9);
      if (close < 0) return -1;
      if (this.stack.length === 0) throw this.syntax('CDATA buiten het root-element', pos);
      const depth = this.stack.length;
      const t = normalizeNewlines(buf.slice(pos + 9, close));
      if (!(depth < this.emitDepth && t.trim() === '')) this.stack[depth - 1]!.text += t;
      return close + 3;
    }
    if (buf.startsWith('<!DOCTYPE', pos))
      throw new XmlError('dtd-geweigerd', 'een DOCTYPE (DTD) is niet toegestaan', this.lineAt(pos));
    // Not decided yet when the buffer ends inside one of the three openers.
    const rest = buf.slice(pos, Math.min(len, pos + 9));
    if (rest.length < 9 && ['<!--', '<![CDATA[', '<!DOCTYPE'].some((o) => o.startsWith(rest))) return -1;
    throw this.syntax('onbekende markup na <!', pos);
  }

  /** The XML declaration at the start, or a processing instruction (refused). */
  private pi(buf: string, pos: number): number {
    const close = buf.indexOf('?>', pos + 2);
    QNAME.lastIndex = pos + 2;
    const m = QNAME.exec(buf);
    const target = m ? m[0] : '';
    const afterTarget = pos + 2 + target.length;
    // Wait for the whole instruction (a cut-off one is then malformed, as saxes says); the
    // token limit bounds the wait.
    if (close < 0) return -1;
    if (target.toLowerCase() === 'xml') {
      if (close < 0) return -1;
      if (!this.atStart || target !== 'xml')
        throw this.syntax('de XML-declaratie mag alleen aan het begin staan', pos);
      const d = XML_DECL.exec(buf.slice(pos, close + 2));
      if (!d) throw this.syntax('een onjuiste XML-declaratie', pos);
      const version = d[1] ?? d[2];
      if (version !== '1.0') throw this.syntax('alleen XML-versie 1.0 wordt gelezen', pos);
      const encoding = d[3] ?? d[4];
      if (encoding !== undefined && !/^[A-Za-z][A-Za-z0-9._-]*$/.test(encoding))
        throw this.syntax('een onjuiste naam van de codering', pos);
      if (encoding !== undefined && !/^utf-?8$/i.test(encoding))
        throw new XmlError('xml-codering', 'het bestand moet in UTF-8 zijn gecodeerd', this.lineAt(pos));
      return close + 2;
    }
    if (target === '') throw this.syntax('een processing instruction zonder naam', pos);
    // The target ends in white space or ?>; anything else is malformed, not a PI.
    if (!isS(buf.charCodeAt(afterTarget)) && !buf.startsWith('?>', afterTarget))
      throw this.syntax('een onjuiste processing instruction', pos);
    throw new XmlError('pi-geweigerd', 'processing instructions zijn niet toegestaan', this.lineAt(pos));
  }

  private startTag(buf: string, pos: number): number {
    const len = buf.length;
    let name: string;
    let i = asciiNameEnd(buf, pos + 1);
    if (i > pos + 1) {
      name = buf.slice(pos + 1, i);
    } else {
      QNAME.lastIndex = pos + 1;
      const m = QNAME.exec(buf);
      if (!m) throw this.syntax('een ongeldige elementnaam', pos);
      name = m[0];
      i = pos + 1 + name.length;
    }
    if (i >= len || nameMayGoOn(buf, i)) return -1;
    let attrs: { name: string; value: string }[] | undefined;
    let selfClosing = false;
    for (;;) {
      let c = buf.charCodeAt(i);
      if (c === 0x3e) {
        i++;
        break;
      }
      if (c === 0x2f) {
        if (i + 1 >= len) return -1;
        if (buf.charCodeAt(i + 1) !== 0x3e) throw this.syntax('/ zonder > in een tag', pos);
        selfClosing = true;
        i += 2;
        break;
      }
      if (!isS(c)) throw this.syntax(`een ongeldig teken in de tag ${name}`, pos);
      while (i < len && isS(buf.charCodeAt(i))) i++;
      if (i >= len) return -1;
      c = buf.charCodeAt(i);
      if (c === 0x3e || c === 0x2f) continue;
      // An attribute: Name S? = S? quoted value.
      QNAME.lastIndex = i;
      const an = QNAME.exec(buf);
      if (!an) throw this.syntax(`een ongeldige attribuutnaam in de tag ${name}`, pos);
      i += an[0].length;
      if (nameMayGoOn(buf, i)) return -1;
      while (i < len && isS(buf.charCodeAt(i))) i++;
      if (i >= len) return -1;
      if (buf.charCodeAt(i) !== 0x3d) throw this.syntax(`attribuut ${an[0]} zonder =`, pos);
      i++;
      while (i < len && isS(buf.charCodeAt(i))) i++;
      if (i >= len) return -1;
      const q = buf.charCodeAt(i);
      if (q !== 0x22 && q !== 0x27)
        throw this.syntax(`de waarde van attribuut ${an[0]} staat niet tussen aanhalingstekens`, pos);
      const close = buf.indexOf(q === 0x22 ? '"' : "'", i + 1);
      if (close < 0) return -1;
      let value = buf.slice(i + 1, close);
      if (value.indexOf('<') >= 0) throw this.syntax(`< in de waarde van attribuut ${an[0]}`, pos);
      value = normalizeNewlines(value).replace(/[\t\n]/g, ' ');
      if (value.indexOf('&') >= 0) value = this.references(value, pos);
      (attrs ??= []).push({ name: an[0], value });
      i = close + 1;
      if (i >= len) return -1;
      c = buf.charCodeAt(i);
      if (c !== 0x3e && c !== 0x2f && !isS(c))
        throw this.syntax(`geen spatie tussen de attributen van ${name}`, pos);
    }
    this.open(name, attrs, pos);
    if (selfClosing) this.close();
    return i;
  }

  private endTag(buf: string, pos: number): number {
    const gt = buf.indexOf('>', pos + 2);
    if (gt < 0) return -1;
    const top = this.stack[this.stack.length - 1];
    if (!top) throw this.syntax('een eindtag zonder begintag', pos);
    const name = top.name;
    let j = pos + 2 + name.length;
    if (!buf.startsWith(name, pos + 2) || j > gt) throw this.mismatch(buf, pos, gt, name);
    while (j < gt && isS(buf.charCodeAt(j))) j++;
    if (j !== gt) throw this.mismatch(buf, pos, gt, name);
    this.close();
    return gt + 1;
  }

  private mismatch(buf: string, pos: number, gt: number, expected: string): XmlError {
    const got = buf.slice(pos + 2, gt).trim();
    return this.syntax(
      `eindtag ${got.length > 40 ? `${got.slice(0, 37)}...` : got} past niet bij begintag ${expected}`,
      pos,
    );
  }

  // ------------------------------------------------------------------ the tree

  private open(name: string, raw: { name: string; value: string }[] | undefined, pos: number): void {
    const l = this.limits;
    if (this.rootClosed) throw this.syntax('een tweede root-element', pos);
    if (++this.elements > l.maxElements)
      throw new XmlError('limiet-elementen', `meer dan ${l.maxElements} elementen`, this.lineAt(pos));
    if (this.elements % 512 === 0 && l.maxMillis !== Infinity && Date.now() - this.started > l.maxMillis)
      throw new XmlError('limiet-tijd', `verwerking duurt langer dan ${l.maxMillis} ms`, this.lineAt(pos));
    const depth = this.stack.length + 1;
    if (depth > l.maxDepth)
      throw new XmlError('limiet-diepte', `elementen dieper genest dan ${l.maxDepth}`, this.lineAt(pos));
    if (depth === this.emitDepth) this.recordElements = 0;
    if (depth >= this.emitDepth && ++this.recordElements > this.maxRecordElements)
      throw new XmlError(
        'limiet-record',
        `een record bevat meer dan ${this.maxRecordElements} elementen`,
        this.lineAt(pos),
      );

    let scope = this.scope;
    let attrs: readonly XAttr[] = EMPTY_ATTRS;
    if (raw !== undefined) {
      scope = this.declare(raw, scope, pos);
      const list: XAttr[] = [];
      const seen = new Set<string>();
      for (const a of raw) {
        if (seen.has(a.name)) throw this.syntax(`attribuut ${a.name} staat twee keer in een tag`, pos);
        seen.add(a.name);
        if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
        const colon = a.name.indexOf(':');
        const local = colon < 0 ? a.name : a.name.slice(colon + 1);
        const uri = colon < 0 ? '' : this.resolve(scope, a.name.slice(0, colon), pos);
        list.push({ name: a.name, local, uri, value: a.value });
      }
      if (list.length > 1) {
        const expanded = new Set<string>();
        for (const a of list) {
          const k = `${a.uri}\u0000${a.local}`;
          if (expanded.has(k)) throw this.syntax(`attribuut ${a.local} staat twee keer in een tag`, pos);
          expanded.add(k);
        }
      }
      if (list.length > l.maxAttributes)
        throw new XmlError('limiet-attributen', `meer dan ${l.maxAttributes} attributen`, this.lineAt(pos));
      if (list.length > 0) attrs = list;
    }
    const colon = name.indexOf(':');
    const local = colon < 0 ? name : name.slice(colon + 1);
    const uri = colon < 0 ? scope.defaultNs : this.resolve(scope, name.slice(0, colon), pos);
    const el: XElement = { name, local, uri, attrs, children: [], text: '', line: this.lineAt(pos) };
    const parent = this.stack[depth - 2];
    if (parent) {
      if (depth !== this.emitDepth) parent.children.push(el);
    } else {
      this.root = el;
    }
    this.stack.push(el);
    this.scopes.push(this.scope);
    this.scope = scope;
    if (depth < this.emitDepth) this.o.onOpen?.(el, depth);
  }

  private close(): void {
    const el = this.stack.pop()!;
    this.scope = this.scopes.pop()!;
    const depth = this.stack.length + 1;
    if (depth === this.emitDepth) this.o.onElement?.(el, this.emitted++);
    if (depth === 1) this.rootClosed = true;
  }

  /** The scope after the namespace declarations among the attributes. */
  private declare(raw: { name: string; value: string }[], scope: Scope, pos: number): Scope {
    let defaultNs = scope.defaultNs;
    let prefixes: Record<string, string> | undefined;
    let changed = false;
    for (const a of raw) {
      if (a.name === 'xmlns') {
        if (a.value === XML_NS || a.value === XMLNS_NS)
          throw this.syntax('de standaardnamespace mag niet de xml- of xmlns-namespace zijn', pos);
        defaultNs = a.value;
        changed = true;
      } else if (a.name.startsWith('xmlns:')) {
        const p = a.name.slice(6);
        if (p === 'xmlns') throw this.syntax('het prefix xmlns mag niet worden gedeclareerd', pos);
        if (p === 'xml' ? a.value !== XML_NS : a.value === XML_NS || a.value === XMLNS_NS)
          throw this.syntax(`een ongeldige binding van prefix ${p}`, pos);
        if (a.value === '') throw this.syntax(`prefix ${p} krijgt een lege namespace`, pos);
        prefixes ??= Object.create(scope.prefixes) as Record<string, string>;
        prefixes[p] = a.value;
        changed = true;
      }
    }
    return changed ? { defaultNs, prefixes: prefixes ?? scope.prefixes } : scope;
  }

  private resolve(scope: Scope, prefix: string, pos: number): string {
    if (prefix === 'xmlns') throw this.syntax('het prefix xmlns mag niet worden gebruikt', pos);
    const uri = scope.prefixes[prefix];
    if (uri === undefined) throw this.syntax(`prefix ${prefix} is niet gedeclareerd`, pos);
    return uri;
  }
}
