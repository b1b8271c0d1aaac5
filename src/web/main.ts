// The dashboard's entry: theme, router, session, then the shell.

import { render } from 'preact';
import { html } from 'htm/preact';
import { App } from './app.js';
import { loadSession } from './auth.js';
import { startRouter } from './router.js';
import { applyTheme } from './theme.js';
import './styles/tokens.css';
import './styles/layout.css';
import './styles/controls.css';
import './styles/feedback.css';
import './styles/overview.css';
import './styles/stage.css';
import './styles/runs.css';
import './styles/settings.css';
import './styles/narrow.css';

applyTheme();
startRouter();
render(html`<${App} />`, document.getElementById('app')!);
void loadSession();
