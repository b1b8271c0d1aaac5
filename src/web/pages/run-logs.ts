// A run's log, streaming: long polls of /api/runs/:id/logs?after=SEQ&wait=MS, each answer carrying the new
// lines and the run as it is now. Stops once the run has finished and every line is in.

import { html } from 'htm/preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { apiGet, path } from '../api-client.js';
import type { Run, RunLogLine } from '../api-types.js';
import { isFinished, stepWord } from '../run-facts.js';

const MAX_LINES = 5000;
const WAIT_MS = 20_000;

export function useRunLogs(id: string): { lines: RunLogLine[]; run: Run | undefined; done: boolean } {
  const [lines, setLines] = useState<RunLogLine[]>([]);
  const [run, setRun] = useState<Run | undefined>(undefined);
  const [done, setDone] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    let after = 0;
    void (async () => {
      let failures = 0;
      while (!abort.signal.aborted) {
        try {
          const answer = await apiGet<{ lines: RunLogLine[]; run: Run }>(`${path`/api/runs/${id}/logs`}?after=${after}&wait=${WAIT_MS}`, abort.signal);
          failures = 0;
          if (answer.lines.length > 0) {
            after = answer.lines[answer.lines.length - 1]!.seq;
            setLines((previous) => [...previous, ...answer.lines].slice(-MAX_LINES));
          }
          setRun(answer.run);
          if (answer.lines.length === 0 && isFinished(answer.run)) {
            setDone(true);
            return;
          }
        } catch {
          if (abort.signal.aborted) return;
          failures++;
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** failures, 15_000)));
        }
      }
    })();
    return () => abort.abort();
  }, [id]);
  return { lines, run, done };
}

// Terminal colors mean nothing here; the stream (stderr, system) is shown instead.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

function logTime(ts: number): string {
  return new Date(ts).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

export function RunLog({ lines, step, done }: { lines: RunLogLine[]; step: string | null; done: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const shown = step ? lines.filter((l) => l.step === step) : lines;
  useLayoutEffect(() => {
    const element = box.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  }, [shown.length, step]);
  const onScroll = () => {
    const element = box.current;
    if (element) following.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
  };
  return html`<div class="log" ref=${box} onScroll=${onScroll} role="log" aria-live="off" aria-label=${step ? `Log of ${stepWord(step)}` : 'Run log'} tabindex="0">
    ${shown.length === 0
      ? html`<p class="log-empty">${done ? 'This run wrote no log lines.' : 'Waiting for output…'}</p>`
      : shown.map(
          (line) => html`<div key=${line.seq} class=${`log-line log-${line.stream}`}>
            <span class="log-time" aria-hidden="true">${logTime(line.ts)}</span>
            ${step ? null : html`<span class="log-step">${line.step}</span>`}
            <span class="log-text">${line.stream === 'stderr' ? html`<span class="sr-only">error output: </span>` : null}${line.line.replace(ANSI, '')}</span>
          </div>`,
        )}
    ${!done && shown.length > 0 ? html`<div class="log-line log-waiting" aria-hidden="true"><span class="log-cursor"></span></div>` : null}
  </div>`;
}
