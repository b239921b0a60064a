import { css } from 'lit';

/** Pieces of style every component needs inside its own shadow root. */
export const shared = css`
  :host {
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  button {
    font: inherit;
    border: 1px solid transparent;
    border-radius: 8px;
    padding: 0.5rem 1rem;
    background: var(--kafky-accent);
    color: var(--kafky-on-accent);
    cursor: pointer;
  }
  button.quiet {
    background: transparent;
    color: inherit;
    border-color: var(--kafky-border);
  }
  button:disabled {
    opacity: 0.6;
    cursor: default;
  }
  :focus-visible {
    outline: 3px solid var(--kafky-focus);
    outline-offset: 2px;
  }
`;
