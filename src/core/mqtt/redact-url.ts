/**
 * Userinfo of every URL in a text: `scheme://` up to the last `@` before whitespace or a quote.
 * The last `@`, not the first, because a password may itself hold `@` or `/` (typed unescaped);
 * hosts never contain `@`, so over-reaching can only hide more, never leak.
 */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>`]*)@/gi;

/** Removes credentials from broker URLs (anywhere in the text) before it is printed or logged. */
export function redactUrl(text: string): string {
  return text.replace(USERINFO, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    const user = colon < 0 ? '' : userinfo.slice(0, colon);
    // Without a colon the whole userinfo may be a token; a user name with / or @ is no user name.
    return `${scheme}${user && !/[/@]/.test(user) ? `${user}:***` : '***'}@`;
  });
}
