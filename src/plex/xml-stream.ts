import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';

/** Receives each element of an XML document as it streams in. */
export interface XmlElementHandler {
  /** `path` is the chain of open element names, root first, including this one. */
  open(name: string, attributes: Record<string, string>, path: readonly string[]): void;
  close?(name: string, path: readonly string[]): void;
}

/** Thrown for XML that is broken or cut off: the message says where. */
export class XmlSyntaxError extends Error {}

/**
 * Parses an XML stream without building the whole document: plex.tv's answers for a big
 * account run to tens of MB. saxes is strict, so truncated or malformed XML is an error.
 */
export async function parseXmlStream(stream: Readable, handler: XmlElementHandler): Promise<void> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const path: string[] = [];
  let handlerError: unknown;
  parser.on('opentag', (tag) => {
    if (handlerError) return;
    path.push(tag.name);
    try {
      handler.open(tag.name, tag.attributes as Record<string, string>, path);
    } catch (error) {
      handlerError = error;
    }
  });
  parser.on('closetag', (tag) => {
    if (handlerError) return;
    try {
      handler.close?.(tag.name, path);
    } catch (error) {
      handlerError = error;
    }
    path.pop();
  });
  const fail = (error: unknown): never => {
    throw new XmlSyntaxError(`at ${(error as Error).message.replace(/^undefined:/, '')}`);
  };
  stream.setEncoding('utf8');
  for await (const chunk of stream) {
    try {
      parser.write(chunk as string);
    } catch (error) {
      stream.destroy();
      fail(error);
    }
    if (handlerError) {
      stream.destroy();
      throw handlerError;
    }
  }
  try {
    parser.close();
  } catch (error) {
    fail(error);
  }
  if (handlerError) throw handlerError;
}
