/** The author's notes: Markdown rendered without raw HTML (marked; HTML in the source is shown as text, links are http(s) only). */
import { useMemo } from 'react';
import { Marked } from 'marked';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const md = new Marked({
  gfm: true,
  renderer: {
    // raw HTML blocks and inline tags become text
    html: ({ text }) => esc(text),
    link({ href, title, tokens }) {
      const label = this.parser.parseInline(tokens);
      return /^https?:\/\//i.test(href)
        ? `<a href="${esc(href)}"${title ? ` title="${esc(title)}"` : ''} rel="noopener noreferrer" target="_blank">${label}</a>`
        : label;
    },
    image: ({ text }) => esc(text),
  },
});

export function Markdown({ text, testId }: { text: string; testId?: string }) {
  const html = useMemo(() => md.parse(text, { async: false }) as string, [text]);
  return <div className="notebook-note" data-testid={testId} dangerouslySetInnerHTML={{ __html: html }} />;
}
