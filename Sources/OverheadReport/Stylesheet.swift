/// The page's stylesheet: readable on a phone (tables and charts scroll sideways), printable
/// (colours kept, navigation dropped, charts not split across pages).
let stylesheet = """
    :root { color-scheme: light; }
    body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 16px 40px; color: #1b1b1b; background: #fff; line-height: 1.45; }
    h1 { font-size: 1.6em; margin: 0.8em 0 0.2em; }
    h2 { font-size: 1.3em; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 1.8em; }
    .meta { color: #555; margin: 0; }
    nav { margin: 0.5em 0 1em; font-size: 0.95em; }
    nav a { color: #0b57a4; }
    code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.92em; }
    .scroll { overflow-x: auto; }
    table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.9em; }
    caption { text-align: left; font-weight: 600; padding: 4px 0; }
    th, td { border: 1px solid #d0d0d0; padding: 3px 7px; vertical-align: top; text-align: left; }
    thead th, table > tr:first-child th { background: #f0f0f0; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
    tr.bench th { background: #f6f8fa; font-weight: normal; }
    .reveal { color: #444; font-style: italic; }
    table.env td { max-width: 420px; word-break: break-word; font-size: 0.95em; }
    tr.differs th, tr.differs td { background: #fff4e0; }
    .flag { font-size: 0.8em; font-weight: 700; color: #8a4b00; }
    .sub { font-weight: normal; color: #555; font-size: 0.9em; }
    .warning { border: 2px solid #b45309; background: #fff7ed; padding: 4px 12px; margin: 1em 0; }
    .warning p { font-weight: 600; margin: 0.4em 0; }
    .expected { background: #f4f7fb; border-left: 4px solid #0072B2; padding: 6px 10px; }
    ul.reveals { font-size: 0.9em; color: #333; margin: 4px 0 0; padding-left: 1.2em; }
    figure { margin: 1em 0; break-inside: avoid; page-break-inside: avoid; }
    .multiples { display: flex; flex-wrap: wrap; gap: 8px 24px; }
    .badge { padding: 0 5px; border-radius: 3px; font-weight: 600; }
    .badge.v-overhead { background: #fbe3d6; color: #8c2f00; }
    .badge.v-improvement { background: #dcebf7; color: #004a7c; }
    .badge.v-equivalent { background: #dde9f5; color: #234; }
    .badge.v-inconclusive { background: #eee; color: #333; }
    .badge.v-insufficient-data { background: #fdf2c6; color: #6b5200; }
    td.v-overhead-text { color: #8c2f00; font-weight: 600; }
    td.v-improvement-text { color: #004a7c; font-weight: 600; }
    td.v-insufficient-data-text { color: #6b5200; }
    svg.chart { font-family: inherit; max-width: 100%; height: auto; display: block; }
    svg.chart text { font-size: 12px; fill: #1b1b1b; }
    svg.chart .chart-title { font-size: 14px; font-weight: 600; }
    svg.chart .tick, svg.chart .legend, svg.chart .series-label, svg.chart .annotation, svg.chart .marker-label { font-size: 11px; }
    svg.chart .tick { fill: #444; }
    svg.chart .marker-label { fill: #666; }
    svg.chart .axis-label { font-size: 12px; fill: #333; }
    svg.chart .grid { stroke: #e4e4e4; stroke-width: 1; }
    svg.chart .zero { stroke: #000; stroke-width: 1.5; }
    svg.chart .frame { fill: none; stroke: #bbb; }
    svg.chart .marker-line { stroke: #999; stroke-dasharray: 2 3; }
    svg.chart .whisker { stroke: #111; stroke-width: 1.3; }
    svg.chart .bar.v-overhead { fill: #D55E00; }
    svg.chart .bar.v-improvement { fill: #0072B2; }
    svg.chart .bar.v-equivalent { fill: #8fb3d9; }
    svg.chart .bar.v-inconclusive { fill: #b8b8b8; }
    svg.chart .bar.v-spread { fill: #b8b8b8; }
    svg.chart .bar.v-insufficient-data { fill: #fff; stroke: #a07a00; stroke-dasharray: 3 2; }
    svg.chart .v-overhead-text { fill: #8c2f00; font-weight: 600; }
    svg.chart .v-improvement-text { fill: #004a7c; font-weight: 600; }
    svg.chart .v-insufficient-data-text { fill: #6b5200; }
    svg.chart .bar.noisy { fill-opacity: 0.3; stroke: #555; stroke-width: 1; stroke-dasharray: 2 2; }
    svg.chart .clip-mark { font-weight: 700; fill: #fff; }
    svg.chart .line { fill: none; stroke-width: 2; }
    svg.chart .line.dashed { stroke-dasharray: 6 4; }
    svg.chart .item-label { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 11.5px; }
    li.resolve { list-style: none; color: #444; font-size: 0.95em; margin-bottom: 0.4em; }
    .finding { border-left: 4px solid #999; padding: 2px 12px; margin: 0.8em 0; background: #fafafa; }
    .finding h3 { font-size: 1.05em; margin: 0.4em 0; }
    .finding.sev-critical { border-color: #b91c1c; } .finding.sev-critical .sev { color: #b91c1c; }
    .finding.sev-warning { border-color: #b45309; } .finding.sev-warning .sev { color: #8a4b00; }
    .finding.sev-info .sev { color: #555; }
    .finding .caveat { color: #8a4b00; font-size: 0.9em; }
    ul.finding-facts { font-size: 0.92em; padding-left: 1.2em; }
    /* Phones: charts keep a legible size and scroll sideways inside their box instead of shrinking
       their text below reading size; wide tables scroll sideways too (words are never split). */
    @media (max-width: 600px) {
      body { padding: 0 8px 24px; font-size: 15px; }
      h1 { font-size: 1.3em; }
      svg.chart { max-width: none; width: auto; height: auto; zoom: 0.8; }
      .scroll { -webkit-overflow-scrolling: touch; border-right: 2px solid #eee; }
      table { font-size: 0.85em; }
      td, th { padding: 2px 5px; }
      table.env td { max-width: 220px; }
    }
    @media print {
      body { max-width: none; padding: 0; font-size: 10pt; }
      nav { display: none; }
      * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
      .scroll { overflow: visible; }
      h2 { break-after: avoid; }
      table { break-inside: auto; }
      tr { break-inside: avoid; }
    }
    """
