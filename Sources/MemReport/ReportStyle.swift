/// The report page's style sheet, inlined into every report.
enum ReportStyle {
    static let css = #"""
    :root { --fg: #1d2330; --muted: #5b6473; --line: #d8dde6; --bg: #f6f7f9; --card: #fff; --accent: #2b6cb0; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
    header { padding: 14px 24px; background: #1d2330; color: #fff; }
    header h1 { margin: 0; font-size: 18px; font-weight: 600; }
    header .sub { color: #b8c0cc; font-size: 12px; }
    nav { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid var(--line); padding: 6px 24px; font-size: 13px; }
    nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
    nav button { float: right; }
    main { padding: 12px 24px 40px; max-width: 1240px; }
    section { background: var(--card); border: 1px solid var(--line); border-radius: 6px; margin: 14px 0; padding: 12px 16px; }
    section h2 { margin: 0 0 8px; font-size: 16px; }
    section h3 { margin: 12px 0 4px; font-size: 13px; color: var(--muted); font-weight: 600; }
    .note { color: var(--muted); font-size: 12px; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; }
    .card { border: 1px solid var(--line); border-radius: 5px; padding: 6px 10px; }
    .card .k { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .03em; }
    .card .v { font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; }
    .card .d { font-size: 11px; }
    .up { color: #b42318; } .down { color: #1a7f37; }
    svg.chart { width: 100%; height: auto; display: block; user-select: none; }
    svg.chart text { font-size: 10px; fill: var(--muted); }
    .legend { font-size: 12px; margin: 2px 0 6px; }
    .legend span { margin-right: 12px; white-space: nowrap; }
    .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: -1px; border-radius: 2px; }
    table { border-collapse: collapse; width: 100%; font-size: 12px; font-variant-numeric: tabular-nums; }
    th, td { border-bottom: 1px solid var(--line); padding: 3px 6px; text-align: left; }
    td.n, th.n { text-align: right; }
    th { cursor: pointer; background: #f0f2f5; position: sticky; top: 34px; }
    th.sorted::after { content: " ▾"; } th.sorted.asc::after { content: " ▴"; }
    .scroll { max-height: 420px; overflow: auto; }
    .status-regression { color: #b42318; font-weight: 600; } .status-changed { color: #9a6700; }
    svg.chart[data-chart="flame"] text { fill: #1d2330; font-size: 11px; }
    svg.chart g[data-frame] { cursor: pointer; }
    .flame-controls { margin: 4px 0 8px; font-size: 13px; } .flame-controls input { vertical-align: middle; width: 320px; margin: 0 8px; }
    .tip { position: fixed; pointer-events: none; background: #1d2330; color: #fff; font-size: 11px; padding: 3px 6px; border-radius: 3px; display: none; z-index: 5; }
    """#
}
