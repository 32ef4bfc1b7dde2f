/**
 * Hides credentials in broker URLs and in any text that embeds them, so that no log line, error message or
 * dashboard ever shows a password or token. Pure.
 */

/** `amqp://guest:secret@host:5672/vh` -> `amqp://guest:***@host:5672/vh`; `nats://tok@host` -> `nats://***@host`. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    // A lone userinfo without a password is a token (NATS): hide it whole.
    return colon === -1 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

/** Redacts every URL with credentials found anywhere in `text` (error messages often quote the URL). */
export function redactText(text: string): string {
  // A comma-separated URL list is one match: each of its URLs is redacted on its own.
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (u) =>
    u
      .split(/,(?=[a-z][a-z0-9+.-]*:\/\/)/i)
      .map(redactUrl)
      .join(','),
  );
}
