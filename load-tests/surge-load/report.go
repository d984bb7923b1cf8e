package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"sort"
	"strings"
)

// The report a person looks at after a run: the verdict per SLO, figures per
// route, and two charts over time (throughput by status class; submit
// latency p50/p99 per second). Self-contained HTML with inline SVG: it opens
// from the run's folder with no network. vegeta's own plot of every request's
// latency sits beside it (latency-plot.html).
func writeHTMLReport(w io.Writer, s *Summary, rec *Recorder) error {
	var b strings.Builder
	title := fmt.Sprintf("Surge load run %s (%s)", s.RunID, s.Profile)
	fmt.Fprintf(&b, "<!doctype html><html lang=en><meta charset=utf-8><title>%s</title>", html.EscapeString(title))
	b.WriteString(`<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}.ok{color:#060}.fail{color:#b00;font-weight:bold}svg{border:1px solid #ddd;margin:.5em 0}</style>`)
	fmt.Fprintf(&b, "<h1>%s</h1>", html.EscapeString(title))
	verdict := "<span class=ok>every SLO threshold met</span>"
	if !s.AllThresholdsMet {
		verdict = "<span class=fail>an SLO threshold was crossed</span>"
	}
	fmt.Fprintf(&b, "<p>%s. Target %s, %.0f s, offered %.0f requests/s (%.0f readings/s) on average, peak %.0f requests/s.</p>",
		verdict, html.EscapeString(s.Target), s.DurationSeconds, s.OfferedRequestsPerSecond, s.OfferedReadingsPerSecond, s.PeakOfferedRequestsPerSecond)
	b.WriteString("<h2>SLO thresholds</h2><table><tr><th>SLO</th><th>route</th><th>threshold</th><th>value</th><th>over</th><th>verdict</th></tr>")
	for _, v := range s.Thresholds {
		cls, word := "ok", "ok"
		if !v.OK {
			cls, word = "fail", "FAIL"
		}
		value := fmt.Sprintf("%.4f", v.Value)
		if v.Kind == "percentile" {
			value = fmt.Sprintf("%.1f ms", v.Value)
		}
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td class=%s>%s</td></tr>", html.EscapeString(v.SLO), v.Route, html.EscapeString(v.Expression), value, v.Observed, cls, word)
	}
	b.WriteString("</table><h2>Routes</h2><table><tr><th>route</th><th>requests</th><th>readings</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>statuses</th></tr>")
	for _, name := range sortedKeys(s.Routes) {
		r := s.Routes[name]
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%d</td><td>%d</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td style=text-align:left>%s</td></tr>",
			name, r.Requests, r.Readings, r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Latency.Max, html.EscapeString(fmtStatuses(r.Statuses)))
	}
	fmt.Fprintf(&b, "</table><p>Readings the API accepted (202, or batch items received): %d. Generator: %.1f CPU s, peak RSS %.0f MiB.</p>", s.AcceptedReadings, s.Generator.CPUSeconds, s.Generator.PeakRssMiB)

	secs := make([]int64, 0, len(rec.seconds))
	for k := range rec.seconds {
		secs = append(secs, k)
	}
	sort.Slice(secs, func(i, j int) bool { return secs[i] < secs[j] })
	classes := []string{"2xx", "4xx", "5xx", "transport"}
	colors := map[string]string{"2xx": "#2a7", "4xx": "#e90", "5xx": "#c22", "transport": "#629"}
	series := map[string][]float64{}
	var p50, p99 []float64
	for _, k := range secs {
		sec := rec.seconds[k]
		for _, c := range classes {
			series[c] = append(series[c], float64(sec.byClass[c]))
		}
		l := latencyOf(sec.submitLat)
		p50 = append(p50, l.P50)
		p99 = append(p99, l.P99)
	}
	b.WriteString("<h2>Responses per second, by status class</h2>")
	lines := []svgLine{}
	for _, c := range classes {
		lines = append(lines, svgLine{c, colors[c], series[c]})
	}
	b.WriteString(svgChart(lines, "responses/s"))
	b.WriteString("<h2>Submit latency per second (ms)</h2>")
	b.WriteString(svgChart([]svgLine{{"p50", "#27c", p50}, {"p99", "#c22", p99}}, "ms"))
	b.WriteString(`<p>Every request's latency: <a href="latency-plot.html">latency-plot.html</a> (vegeta). Every response: <code>results.jsonl</code>. Figures: <code>summary.json</code>.</p></html>`)
	_, err := io.WriteString(w, b.String())
	return err
}

type svgLine struct {
	name, color string
	values      []float64
}

func svgChart(lines []svgLine, unit string) string {
	const W, H, pad = 1000.0, 260.0, 40.0
	n, max := 0, 0.0
	for _, l := range lines {
		if len(l.values) > n {
			n = len(l.values)
		}
		for _, v := range l.values {
			if !math.IsNaN(v) && v > max {
				max = v
			}
		}
	}
	if n < 2 || max == 0 {
		return "<p>(no data)</p>"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="%s over time">`, W, H+pad, unit)
	fmt.Fprintf(&b, `<text x="2" y="12" font-size="11">%.0f %s</text><text x="2" y="%.0f" font-size="11">0</text>`, max, unit, H)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="11">%d s</text>`, W-50, H+15, n-1)
	for i, l := range lines {
		var pts []string
		for x, v := range l.values {
			if math.IsNaN(v) {
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", pad+(W-pad)*float64(x)/float64(n-1), H-(H-15)*v/max))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`, l.color, strings.Join(pts, " "))
		fmt.Fprintf(&b, `<text x="%d" y="%.0f" font-size="12" fill="%s">%s</text>`, 60+i*90, H+32, l.color, l.name)
	}
	b.WriteString("</svg>")
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func fmtStatuses(m map[string]int) string {
	parts := []string{}
	for _, k := range sortedKeys(m) {
		label := k
		if k == "0" {
			label = "no response"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", label, m[k]))
	}
	return strings.Join(parts, ", ")
}
