/**
 * EC2 query protocol responses: `<ActionResponse xmlns=...><requestId/>...</ActionResponse>` with lower-camel
 * elements and lists as `<item>` children, and the `<Response><Errors>...` error document.
 */

export type XmlValue = string | number | boolean | undefined | null | XmlValue[] | XmlObject;
export interface XmlObject {
  [element: string]: XmlValue;
}

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One element; undefined/null values are left out entirely, as EC2 omits absent members. */
export function element(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    if (value.length === 0) return `<${name}/>`;
    return `<${name}>${value.map((item) => element('item', item)).join('')}</${name}>`;
  }
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value)
      .map(([k, v]) => element(k, v))
      .join('')}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function ec2ResponseXml(action: string, requestId: string, body: XmlObject): string {
  const inner = Object.entries(body)
    .map(([k, v]) => element(k, v))
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XMLNS}"><requestId>${requestId}</requestId>${inner}</${action}Response>`;
}

export function ec2ErrorXml(code: string, message: string, requestId: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
  );
}

/** EC2's tagSet: always present (possibly empty) on the resources that carry tags. */
export function tagSet(tags: { Key: string; Value: string }[] | undefined): XmlValue {
  return (tags ?? []).map((t) => ({ key: t.Key, value: t.Value }));
}
