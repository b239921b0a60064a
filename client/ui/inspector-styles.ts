import { css } from 'lit';

/** What every section of the inspector shares: compact tables and small controls. */
export const inspectorStyles = css`
  :host {
    display: block;
    font-size: 0.85rem;
  }
  h3 {
    margin: 0 0 0.4rem;
    font-size: 0.95rem;
  }
  .table-wrap {
    overflow-x: auto;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  caption {
    text-align: start;
    font-weight: 600;
    padding: 0 0 0.3rem;
  }
  th,
  td {
    text-align: start;
    padding: 0.2rem 0.5rem;
    border-bottom: 1px solid var(--kafky-border);
    white-space: nowrap;
    vertical-align: top;
  }
  thead th {
    background: var(--kafky-surface);
  }
  td.num,
  th.num {
    text-align: end;
    font-variant-numeric: tabular-nums;
  }
  td.wrap {
    white-space: normal;
  }
  .muted {
    color: var(--kafky-muted);
  }
  .refused {
    color: var(--kafky-danger);
  }
  button {
    padding: 0.15rem 0.5rem;
    font-size: 0.8rem;
  }
  select {
    font: inherit;
  }
`;
