import type { Readable } from 'node:stream';
import path from 'node:path';
import type * as Htmlparser2 from 'htmlparser2';
import type * as EntitiesDecode from 'entities/decode';

/*
 * htmlparser2's Tokenizer on its own: its Parser layer builds every element's attribute object,
 * copying each name and value into a string (about half of a sync's parse time), and the package's
 * entry also loads its DOM handler, DOM utilities and serializer, which a streaming parse never
 * uses. The package's export map lists only the entry, so the module is required by its file.
 */
type TokenizerModule = { default: typeof Htmlparser2.Tokenizer; QuoteType: typeof Htmlparser2.QuoteType };
let tokenizerModule: TokenizerModule | null = null;
/** Loaded at the first parse (with its entity tables, ~10 ms): a command that reads no XML never pays for it. */
const tokenizer = (): TokenizerModule =>
  (tokenizerModule ??= require(path.join(path.dirname(require.resolve('htmlparser2')), 'Tokenizer.js')) as TokenizerModule);

/** entities/decode, which the Tokenizer loads anyway: required with it, at the first parse. */
const decodeXml = (value: string): string => (require('entities/decode') as typeof EntitiesDecode).decodeXML(value);

/** Receives each element of an XML document as it streams in. */
export interface XmlElementHandler {
  /**
   * The attributes to read, by element name. An element listed here gets only these; its other
   * attributes are still checked (quoted, not repeated) but never copied out of the input. An
   * element not listed gets all of its attributes.
   */
  readonly attributes?: Readonly<Record<string, readonly string[]>>;
  /** `path` is the chain of open element names, root first, including this one. */
  open(name: string, attributes: Record<string, string>, path: readonly string[]): void;
  close?(name: string, path: readonly string[]): void;
}

/** Thrown for XML that is broken or cut off: the message says where. */
export class XmlSyntaxError extends Error {}

/** What is known of one element name: the attributes wanted, and the attribute names its last tags had, in order. */
interface ElementPlan {
  name: string;
  wanted: readonly string[] | null;
  /** Distinct attribute names in the order the last tag that did not follow this layout had them. */
  layout: string[];
  /** Per layout entry: the key it is read into (the wanted list's own string), or null when not read. */
  keys: Array<string | null>;
}

/** A copy that does not keep the 64 KB chunk it was sliced from alive (V8 slices strings of 13 or more characters). */
const detached = (s: string): string => (s.length < 13 ? s : ` ${s}`.slice(1));

/** Element names are matched against these plans one by one; a document with more kinds looks the rest up by name. */
const PLANS_SCANNED = 8;

/**
 * The tokenizer's events made into elements, strictly. htmlparser2 is fast but forgiving: it takes
 * unquoted or repeated attributes, stray end tags and a document that simply stops. Here each of
 * those is an error, so a truncated or malformed answer can never pass for a shorter, valid one.
 *
 * Names are compared where they lie in the input: a tag whose attributes come in the order the
 * last tag of that element had (plex.tv writes every element of a kind alike) is checked for
 * repeats and read without copying a single name, and only the attributes asked for are copied.
 * Entities are decoded only in values that are read (decodeXML: the same table htmlparser2 uses),
 * which lets the tokenizer skip over the rest of each value at once.
 */
class StrictXmlReader implements Htmlparser2.TokenizerCallbacks {
  private readonly tokenizer: Htmlparser2.Tokenizer;
  /** QuoteType.Double and .Single: an attribute value must be in either. */
  private readonly doubleQuoted: Htmlparser2.QuoteType;
  private readonly singleQuoted: Htmlparser2.QuoteType;
  private readonly plans: ElementPlan[] = [];
  private readonly planByName = new Map<string, ElementPlan>();
  /**
   * The input from the piece holding `reached` on: tokens come one after another, so one not yet
   * reported (a name cut by the end of a piece) starts no earlier than where the last one reported
   * ended; text and values are reported at the end of each piece anyway.
   */
  private pieces: string[] = [];
  private reached = 0;
  private piecesStart = 0;
  private current = '';
  private currentStart = 0;
  private written = 0;

  readonly path: string[] = [];
  sawRoot = false;
  rootClosed = false;
  /** The first problem seen, or the handler's error: the reader stops at either. */
  problem: string | null = null;
  failure: unknown = null;

  // The open tag being read.
  private plan: ElementPlan | null = null;
  private record: Record<string, string> = {};
  private count = 0;
  private onLayout = true;
  private layout: readonly string[] = [];
  private keys: ReadonlyArray<string | null> = [];
  private names: string[] = [];
  private seen: Set<string> | null = null;
  private attribute = '';
  private key: string | null = null;
  private value = '';

  constructor(private readonly handler: XmlElementHandler) {
    const { default: Tokenizer, QuoteType } = tokenizer();
    this.doubleQuoted = QuoteType.Double;
    this.singleQuoted = QuoteType.Single;
    this.tokenizer = new Tokenizer({ xmlMode: true, decodeEntities: false }, this);
  }

  write(chunk: string): void {
    this.pieces.push(chunk);
    this.current = chunk;
    this.currentStart = this.written;
    this.written += chunk.length;
    this.tokenizer.write(chunk);
    while (this.pieces.length > 1 && this.piecesStart + this.pieces[0]!.length <= this.reached) this.piecesStart += this.pieces.shift()!.length;
  }

  end(): void {
    this.tokenizer.end();
  }

  private slice(start: number, end: number): string {
    if (start >= this.currentStart) return this.current.slice(start - this.currentStart, end - this.currentStart);
    if (start < this.piecesStart) throw new Error(`xml-stream: character ${start} is no longer held (${this.piecesStart} is the first)`);
    // A name that spans pieces (about once per 64 KB chunk): only its own parts are copied, never whole pieces.
    let text = '';
    let pieceStart = this.piecesStart;
    for (const piece of this.pieces) {
      const pieceEnd = pieceStart + piece.length;
      if (pieceEnd > start && pieceStart < end) text += piece.slice(Math.max(start, pieceStart) - pieceStart, Math.min(end, pieceEnd) - pieceStart);
      pieceStart = pieceEnd;
    }
    return text;
  }

  private is(name: string, start: number, end: number): boolean {
    if (end - start !== name.length) return false;
    return start >= this.currentStart ? this.current.startsWith(name, start - this.currentStart) : this.slice(start, end) === name;
  }

  private fail(reason: string, at: number): void {
    if (this.stopped()) return;
    this.problem = `at character ${at}: ${reason}`;
    this.tokenizer.pause();
  }

  private stopped(): boolean {
    return this.problem !== null || this.failure !== null;
  }

  private planFor(start: number, end: number): ElementPlan {
    const scanned = Math.min(this.plans.length, PLANS_SCANNED);
    for (let i = 0; i < scanned; i++) {
      const plan = this.plans[i]!;
      if (this.is(plan.name, start, end)) return plan;
    }
    const name = this.slice(start, end);
    let plan = this.planByName.get(name);
    if (plan === undefined) {
      const wanted = this.handler.attributes && Object.hasOwn(this.handler.attributes, name) ? this.handler.attributes[name]! : null;
      plan = { name: detached(name), wanted, layout: [], keys: [] };
      this.plans.push(plan);
      this.planByName.set(plan.name, plan);
    }
    return plan;
  }

  private keyFor(plan: ElementPlan, name: string): string | null {
    if (plan.wanted === null) return name;
    return plan.wanted.find((w) => w === name) ?? null;
  }

  onopentagname(start: number, end: number): void {
    this.reached = end;
    if (this.stopped()) return;
    const plan = (this.plan = this.planFor(start, end));
    if (this.rootClosed) return this.fail(`<${plan.name}> after the root element closed`, start);
    this.record = {};
    this.count = 0;
    this.onLayout = true;
    this.layout = plan.layout;
    this.keys = plan.keys;
  }

  // The three attribute callbacks run for every attribute of every element (7 million with every
  // user on every server), so they do no more than they must. They need not check stopped(): once
  // the reader fails, the tokenizer stops at the next character, and nothing reaches the handler.
  onattribname(start: number, end: number): void {
    this.reached = end;
    const i = this.count++;
    if (this.onLayout) {
      const known = this.layout[i];
      if (known !== undefined && this.is(known, start, end)) {
        this.attribute = known;
        if ((this.key = this.keys[i]!) !== null) this.value = '';
        return;
      }
      // Off the layout: from here on names are copied and checked one by one.
      this.onLayout = false;
      this.names = this.layout.slice(0, i);
      this.seen = new Set(this.names);
    }
    const plan = this.plan!;
    const name = detached(this.slice(start, end));
    if (this.seen!.has(name)) return this.fail(`<${plan.name}> repeats an attribute`, start);
    this.seen!.add(name);
    this.names.push(name);
    this.attribute = name;
    this.key = this.keyFor(plan, name);
    this.value = '';
  }

  onattribdata(start: number, end: number): void {
    if (this.key !== null) this.value += this.slice(start, end);
  }

  onattribend(quote: Htmlparser2.QuoteType, end: number): void {
    if (quote !== this.doubleQuoted && quote !== this.singleQuoted) return this.fail(`attribute ${this.attribute} has no quoted value`, end);
    if (this.key !== null) this.record[this.key] = this.value.includes('&') ? decodeXml(this.value) : this.value;
  }

  onopentagend(): void {
    this.openElement(false);
  }

  onselfclosingtag(): void {
    this.openElement(true);
  }

  private openElement(selfClosing: boolean): void {
    if (this.stopped()) return;
    const plan = this.plan!;
    if (!this.onLayout) {
      plan.layout = this.names;
      plan.keys = this.names.map((name) => this.keyFor(plan, name));
    }
    this.sawRoot = true;
    this.path.push(plan.name);
    const handled = this.tell(() => {
      this.handler.open(plan.name, this.record, this.path);
      if (selfClosing) this.handler.close?.(plan.name, this.path);
    });
    if (handled && selfClosing) this.closeElement();
  }

  /** Runs a handler call; an error it throws stops the reader and is what parseXmlStream throws. */
  private tell(call: () => void): boolean {
    try {
      call();
      return true;
    } catch (error) {
      this.failure = error;
      this.tokenizer.pause();
      return false;
    }
  }

  private closeElement(): void {
    this.path.pop();
    if (this.path.length === 0) this.rootClosed = true;
  }

  onclosetag(start: number, end: number): void {
    this.reached = end;
    if (this.stopped()) return;
    const open = this.path[this.path.length - 1];
    if (open !== undefined && this.is(open, start, end)) {
      if (this.tell(() => this.handler.close?.(open, this.path))) this.closeElement();
      return;
    }
    if (open === undefined) return this.fail('an end tag outside the root element', start);
    const name = this.slice(start, end);
    if (this.path.includes(name)) return this.fail(`<${open}> is not closed`, start);
    this.fail(`an end tag that matches no open element, inside <${open}>`, start);
  }

  ontext(start: number, end: number): void {
    this.reached = end;
    if (this.path.length === 0 && !this.stopped() && this.slice(start, end).trim() !== '') this.fail('text outside the root element', start);
  }

  oncdata(start: number, _end: number, endOffset: number): void {
    if (endOffset === 0) return this.fail('the document ended inside a CDATA section', start);
    if (this.path.length === 0) this.fail('text outside the root element', start);
  }

  oncomment(start: number, _end: number, endOffset: number): void {
    if (endOffset === 0) this.fail('the document ended inside a comment', start);
  }

  onend(): void {
    const open = this.path[this.path.length - 1];
    if (open !== undefined) this.fail(`the document ended before </${open}>`, this.written);
  }

  // Entities are not decoded by the tokenizer (see above); declarations and processing instructions are skipped.
  onattribentity(): void {}
  ontextentity(): void {}
  ondeclaration(): void {}
  onprocessinginstruction(): void {}

  check(): void {
    if (this.failure !== null) throw this.failure;
    if (this.problem !== null) throw new XmlSyntaxError(this.problem);
  }
}

/**
 * Parses an XML stream as its bytes arrive, without building the whole document: plex.tv's
 * answers for a big account run to tens (with every user on every server, hundreds) of MB.
 * The document is accepted only when its one root element closed, nothing but whitespace
 * surrounds it and no end tag, attribute or element was broken: anything else is an XmlSyntaxError.
 */
export async function parseXmlStream(stream: Readable, handler: XmlElementHandler): Promise<void> {
  const reader = new StrictXmlReader(handler);
  stream.setEncoding('utf8');
  try {
    for await (const chunk of stream) {
      reader.write(chunk as string);
      reader.check();
    }
  } catch (error) {
    stream.destroy();
    throw error;
  }
  reader.end();
  reader.check();
  if (!reader.sawRoot) throw new XmlSyntaxError('the document has no root element');
  if (!reader.rootClosed) throw new XmlSyntaxError('the root element is not closed');
}
