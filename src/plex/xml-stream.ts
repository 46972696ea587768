import type { Readable } from 'node:stream';
import path from 'node:path';
import type * as Htmlparser2 from 'htmlparser2';

/*
 * htmlparser2's Parser on its own: the package's entry also loads its DOM handler, DOM utilities
 * and serializer (about 40 ms of a short CLI run's start-up) that a streaming parse never uses.
 * The package's export map lists only the entry, so the module is required by its file.
 */
const { Parser } = require(path.join(path.dirname(require.resolve('htmlparser2')), 'Parser.js')) as { Parser: typeof Htmlparser2.Parser };

/** Receives each element of an XML document as it streams in. */
export interface XmlElementHandler {
  /** `path` is the chain of open element names, root first, including this one. */
  open(name: string, attributes: Record<string, string>, path: readonly string[]): void;
  close?(name: string, path: readonly string[]): void;
}

/** Thrown for XML that is broken or cut off: the message says where. */
export class XmlSyntaxError extends Error {}

/**
 * htmlparser2 in XML mode is about three times faster than a validating parser on plex.tv's big
 * answers, but it is forgiving: it closes what a cut-off document left open, skips a stray end
 * tag and takes unquoted or repeated attributes. This subclass and the handlers below turn each of those into an error,
 * so a truncated or malformed answer can never pass for a shorter, valid one.
 */
class StrictXmlParser extends Parser {
  /** The first problem seen; the parser stops reporting elements after it. */
  problem: string | null = null;

  fail(reason: string): void {
    this.problem ??= `at character ${this.startIndex}: ${reason}`;
  }

  /** @internal an end tag: it must close the element open last (a mismatch shows as an implied close). */
  override onclosetag(start: number, endIndex: number): void {
    const stack = (this as unknown as { stack: string[] }).stack;
    const before = stack.length;
    const open = stack[0];
    super.onclosetag(start, endIndex);
    if (stack.length === before) this.fail(open === undefined ? 'an end tag outside the root element' : `an end tag that matches no open element, inside <${open}>`);
  }

  /** True while a self-closing tag (<User … />) closes: the one implied close that is not a problem. */
  selfClosing = false;

  /** @internal */
  override onselfclosingtag(endIndex: number): void {
    this.selfClosing = true;
    try {
      super.onselfclosingtag(endIndex);
    } finally {
      this.selfClosing = false;
    }
  }
}

/**
 * Parses an XML stream as its bytes arrive, without building the whole document: plex.tv's
 * answers for a big account run to tens (with every user on every server, hundreds) of MB.
 * The document is accepted only when its one root element closed, nothing but whitespace
 * surrounds it and no end tag, attribute or element was broken: anything else is an XmlSyntaxError.
 */
export async function parseXmlStream(stream: Readable, handler: XmlElementHandler): Promise<void> {
  const path: string[] = [];
  let handlerError: unknown;
  let rootClosed = false;
  let sawRoot = false;
  let ending = false;
  // Attributes seen in the open tag being read: more than its attribute object holds means one was repeated.
  let attributeCount = 0;
  const parser: StrictXmlParser = new StrictXmlParser(
    {
      onattribute(name, _value, quote) {
        attributeCount++;
        if (quote !== '"' && quote !== "'") parser.fail(`attribute ${name} has no quoted value`);
      },
      onopentag(name, attributes) {
        let distinct = 0;
        for (const _ in attributes) distinct++;
        if (distinct !== attributeCount) parser.fail(`<${name}> repeats an attribute`);
        attributeCount = 0;
        if (handlerError || parser.problem) return;
        if (rootClosed) return parser.fail(`<${name}> after the root element closed`);
        sawRoot = true;
        path.push(name);
        try {
          handler.open(name, attributes, path);
        } catch (error) {
          handlerError = error;
        }
      },
      onclosetag(name, isImplied) {
        if (handlerError || parser.problem) return;
        if (ending) return parser.fail(`the document ended before </${name}>`);
        if (isImplied && !parser.selfClosing) return parser.fail(`<${name}> is not closed`);
        try {
          handler.close?.(name, path);
        } catch (error) {
          handlerError = error;
        }
        path.pop();
        if (path.length === 0) rootClosed = true;
      },
      ontext(text) {
        if (path.length === 0 && text.trim() !== '' && !parser.problem) parser.fail('text outside the root element');
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  const check = (): void => {
    if (handlerError) throw handlerError;
    if (parser.problem) throw new XmlSyntaxError(parser.problem);
  };
  stream.setEncoding('utf8');
  try {
    for await (const chunk of stream) {
      parser.write(chunk as string);
      check();
    }
  } catch (error) {
    stream.destroy();
    throw error;
  }
  ending = true;
  parser.end();
  check();
  if (!sawRoot) throw new XmlSyntaxError('the document has no root element');
  if (!rootClosed) throw new XmlSyntaxError('the root element is not closed');
}
