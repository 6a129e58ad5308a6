/**
 * Userinfo of every URL in a text: `scheme://` up to the last `@` on the line, without crossing
 * a quote or another URL (whitespace then `scheme://`). The last `@`, not the first, because a
 * password may itself hold `@`, `/` or a space (typed unescaped); over-reaching can only hide
 * more, never leak.
 */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)((?:(?!\s[a-z][a-z0-9+.-]*:\/\/)[^"'<>`\n])*)@/gi;

/** Removes credentials from broker URLs (anywhere in the text) before it is printed or logged. */
export function redactUrl(text: string): string {
  return text.replace(USERINFO, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? '' : userinfo.slice(0, colon);
    // Without a colon the whole userinfo may be a token; a user name with /, @ or a space is no user name.
    return `${scheme}${user && !/[/@\s]/.test(user) ? `${user}:***` : '***'}@`;
  });
}
