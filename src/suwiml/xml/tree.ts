/**
 * A guarded XML reader for untrusted input. It builds a small element tree (names,
 * namespaces, attributes, text, line numbers) with saxes, and refuses what a hostile
 * sender could use: a DOCTYPE (so no entity declarations, no external entities, no entity
 * expansion), input over a size limit, nesting too deep, too many elements or attributes,
 * and parsing that runs too long. Every refusal is an XmlError with a stable rule code and
 * a text without any of the input in it.
 *
 * The same builder serves whole documents (SOAP messages) and streams (a verzamelbestand
 * of any size): in a stream, each complete element at a chosen depth is handed over and
 * forgotten, so memory stays bounded.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';

export interface XAttr {
  readonly name: string;
  readonly local: string;
  readonly uri: string;
  readonly value: string;
}

export interface XElement {
  /** The name as written, with prefix. */
  readonly name: string;
  readonly local: string;
  /** Namespace URI; '' for an unqualified element. */
  readonly uri: string;
  readonly attrs: readonly XAttr[];
  readonly children: XElement[];
  /** The element's own character data (text and CDATA directly inside it), concatenated. */
  text: string;
  /** Line of the start tag, 1-based. */
  readonly line: number;
}

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
  maxAttributes: number;
  maxMillis: number;
}

export const SOAP_LIMITS: XmlLimits = {
  maxBytes: 1024 * 1024,
  maxDepth: 48,
  maxElements: 50_000,
  maxAttributes: 32,
  maxMillis: 1000,
};

export class XmlError extends Error {
  constructor(
    readonly rule: string,
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'XmlError';
  }
}

const XMLNS = 'http://www.w3.org/2000/xmlns/';

interface BuilderOptions {
  limits: XmlLimits;
  /**
   * Stream mode: elements at this depth (root = 1) are passed to `onElement` when complete
   * and not kept in the tree. Undefined: the whole document is kept.
   */
  emitDepth?: number;
  onElement?: (el: XElement, index: number) => void;
  /** Called with the start tag of every element above emitDepth (for headers of a stream). */
  onOpen?: (el: XElement, depth: number) => void;
}

/** Drives saxes and builds elements; see parseXml and XmlStream. */
class TreeBuilder {
  readonly parser: SaxesParser<{ xmlns: true; position: true }>;
  root: XElement | undefined;
  private readonly stack: XElement[] = [];
  private elements = 0;
  private emitted = 0;
  private bytes = 0;
  private readonly started = Date.now();

  constructor(private readonly o: BuilderOptions) {
    const p = new SaxesParser({ xmlns: true, position: true });
    this.parser = p;
    p.on('doctype', () => {
      throw new XmlError('dtd-geweigerd', 'een DOCTYPE (DTD) is niet toegestaan', p.line);
    });
    p.on('processinginstruction', (pi) => {
      if (pi.target.toLowerCase() !== 'xml')
        throw new XmlError('pi-geweigerd', 'processing instructions zijn niet toegestaan', p.line);
    });
    p.on('opentag', (tag) => this.open(tag));
    p.on('closetag', () => this.close());
    p.on('text', (t) => this.addText(t));
    p.on('cdata', (t) => this.addText(t));
    p.on('error', (e) => {
      throw new XmlError('xml-syntax', `geen goedgevormde XML: ${cleanSaxMessage(e.message)}`, p.line);
    });
  }

  write(chunk: string): void {
    this.bytes += Buffer.byteLength(chunk);
    if (this.bytes > this.o.limits.maxBytes)
      throw new XmlError('limiet-grootte', `het bericht is groter dan ${this.o.limits.maxBytes} bytes`);
    this.parser.write(chunk);
  }

  end(): XElement | undefined {
    this.parser.close();
    return this.root;
  }

  private open(tag: SaxesTagNS): void {
    const l = this.o.limits;
    if (++this.elements > l.maxElements)
      throw new XmlError('limiet-elementen', `meer dan ${l.maxElements} elementen`, this.parser.line);
    if (this.elements % 512 === 0 && Date.now() - this.started > l.maxMillis)
      throw new XmlError('limiet-tijd', `verwerking duurt langer dan ${l.maxMillis} ms`, this.parser.line);
    const depth = this.stack.length + 1;
    if (depth > l.maxDepth)
      throw new XmlError('limiet-diepte', `elementen dieper genest dan ${l.maxDepth}`, this.parser.line);
    const attrs: XAttr[] = [];
    for (const a of Object.values(tag.attributes)) {
      if (a.uri === XMLNS || a.name === 'xmlns') continue;
      attrs.push({ name: a.name, local: a.local, uri: a.uri, value: a.value });
    }
    if (attrs.length > l.maxAttributes)
      throw new XmlError('limiet-attributen', `meer dan ${l.maxAttributes} attributen`, this.parser.line);
    const el: XElement = {
      name: tag.name,
      local: tag.local,
      uri: tag.uri,
      attrs,
      children: [],
      text: '',
      line: this.parser.line,
    };
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.children.push(el);
    else this.root = el;
    this.stack.push(el);
    const emit = this.o.emitDepth;
    if (emit !== undefined && depth < emit) this.o.onOpen?.(el, depth);
  }

  private close(): void {
    const el = this.stack.pop();
    if (!el) return;
    const emit = this.o.emitDepth;
    if (emit !== undefined && this.stack.length + 1 === emit) {
      const parent = this.stack[this.stack.length - 1];
      parent?.children.pop();
      this.o.onElement?.(el, this.emitted++);
    }
  }

  private addText(t: string): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      if (t.trim() !== '')
        throw new XmlError('xml-syntax', 'tekst buiten het root-element', this.parser.line);
      return;
    }
    const emit = this.o.emitDepth;
    // Inside a stream, whitespace between records at or above the emit depth is not kept.
    if (emit !== undefined && this.stack.length < emit && t.trim() === '') return;
    top.text += t;
  }
}

/** saxes messages start with the position; the rest says what is wrong without quoting input at length. */
function cleanSaxMessage(m: string): string {
  const s = m.replace(/^[^:]*:\d+:\d+: /, '');
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** Parses a whole document under the given limits; throws XmlError. */
export function parseXml(input: string | Buffer, limits: XmlLimits = SOAP_LIMITS): XElement {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.length;
  if (size > limits.maxBytes)
    throw new XmlError('limiet-grootte', `het bericht is groter dan ${limits.maxBytes} bytes`);
  const b = new TreeBuilder({ limits: { ...limits, maxBytes: Number.MAX_SAFE_INTEGER } });
  b.write(typeof input === 'string' ? input : input.toString('utf8'));
  const root = b.end();
  if (!root) throw new XmlError('xml-syntax', 'geen root-element');
  return root;
}

/**
 * A streaming reader: feed it text in chunks; it calls `onElement` with every complete
 * element at `emitDepth` and `onOpen` for the start tags above it (the file's header).
 */
export class XmlStream {
  private readonly b: TreeBuilder;
  constructor(o: {
    limits: XmlLimits;
    emitDepth: number;
    onElement: (el: XElement, index: number) => void;
    onOpen?: (el: XElement, depth: number) => void;
  }) {
    this.b = new TreeBuilder(o);
  }
  write(chunk: string): void {
    this.b.write(chunk);
  }
  /** Ends the stream; returns the root element (without the streamed elements). */
  end(): XElement {
    const root = this.b.end();
    if (!root) throw new XmlError('xml-syntax', 'geen root-element');
    return root;
  }
  get line(): number {
    return this.b.parser.line;
  }
}

/** Escapes character data for element content. */
export function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;',
  );
}

/** Escapes an attribute value (double quotes). */
export function escapeAttr(s: string): string {
  return s.replace(/[&<>"\r\n\t]/g, (c) => `&#${c.charCodeAt(0)};`);
}
