// The dev mailbox: what the server would have mailed, read from GET /parse/dev/outbox with the
// master key. That route exists only when the server runs with MAIL_ADAPTER=dev-outbox (make dev).
import { useState } from 'react';
import { APP_ID, SERVER_URL } from '../parse';
import { ErrorText } from './common';

interface Message {
  to: string;
  subject: string;
  text: string;
  links?: string[];
  createdAt?: string;
  sentAt?: string;
  when?: string;
}

export default function Mailbox() {
  const [messages, setMessages] = useState<Message[] | undefined>();
  const [error, setError] = useState('');

  async function submit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const to = String(data.get('to')).trim();
    setError('');
    try {
      // The key stays in this form: never stored, sent only with this request.
      const res = await fetch(`${SERVER_URL}/dev/outbox${to ? `?to=${encodeURIComponent(to)}` : ''}`, {
        headers: { 'X-Parse-Application-Id': APP_ID, 'X-Parse-Master-Key': String(data.get('key')) },
      });
      const body = await res.json().catch(() => ({}));
      if (res.status === 404) return setError('The dev mailbox is off: this server does not run with MAIL_ADAPTER=dev-outbox.');
      if (!res.ok) return setError(body.error ? `The server refused: ${body.error}` : 'The server refused the master key.');
      setMessages((body.results ?? body) as Message[]);
    } catch {
      setError('The server cannot be reached.');
    }
  }

  return (
    <section>
      <h1>Dev mailbox</h1>
      <p>
        Locally, <code>make dev</code> keeps every email the server would send. Enter the master key (from <code>.dev.vars</code>); it
        is not stored.
      </p>
      <form onSubmit={submit} className="filters">
        <label>
          Master key
          <input name="key" type="password" autoComplete="off" required />
        </label>
        <label>
          Recipient (optional)
          <input name="to" type="email" />
        </label>
        <button type="submit">Show messages</button>
      </form>
      <ErrorText>{error}</ErrorText>
      {messages && (
        <>
          <p role="status">{messages.length === 0 ? 'No messages.' : `${messages.length} messages, newest first.`}</p>
          <ul className="orders" aria-label="Messages">
            {messages.map((m, i) => (
              <li key={i}>
                <p>
                  <strong>{m.subject}</strong> to {m.to} {m.createdAt ?? m.sentAt ?? m.when ?? ''}
                </p>
                <pre className="mail">{m.text}</pre>
                {(m.links ?? []).map((l) => (
                  <p key={l}>
                    <a href={l}>{l}</a>
                  </p>
                ))}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
