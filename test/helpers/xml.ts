import { parseXml, type XElement } from '../../src/suwiml/xml/tree.js';

export function el(xml: string): XElement {
  return parseXml(xml);
}
