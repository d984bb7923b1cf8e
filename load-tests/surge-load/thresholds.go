package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
)

// The pass/fail thresholds of a run ARE the SLOs: the file is generated from
// libs/slo (npm run slo:generate -> load-tests/slo-thresholds.json), never
// edited by hand, so a load test fails exactly when the run broke an objective.
type Threshold struct {
	SLO        string  `json:"slo"`
	Route      string  `json:"route"`
	Kind       string  `json:"kind"` // "error-rate" | "percentile"
	Metric     string  `json:"metric"`
	Expression string  `json:"expression"`
	// error-rate: bad/total must stay below Max.
	Max             float64 `json:"max,omitempty"`
	StatusPattern   string  `json:"statusPattern,omitempty"`
	TransportErrors bool    `json:"transportErrors,omitempty"`
	// percentile: the Percentile-th latency must stay below MaxMs.
	Percentile float64 `json:"percentile,omitempty"`
	MaxMs      float64 `json:"maxMs,omitempty"`
}

type ThresholdFile struct {
	Scenario   string      `json:"scenario"`
	Thresholds []Threshold `json:"thresholds"`
}

type Verdict struct {
	Threshold
	Value    float64 `json:"value"`
	Observed int     `json:"observed"` // requests the value is computed over
	OK       bool    `json:"ok"`
}

func loadThresholds(path string) (*ThresholdFile, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f ThresholdFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, t := range f.Thresholds {
		switch t.Kind {
		case "error-rate":
			if t.StatusPattern != "" {
				if _, err := regexp.Compile(t.StatusPattern); err != nil {
					return nil, fmt.Errorf("%s: threshold %d (%s): %w", path, i, t.SLO, err)
				}
			}
		case "percentile":
			if t.Percentile <= 0 || t.Percentile >= 100 || t.MaxMs <= 0 {
				return nil, fmt.Errorf("%s: threshold %d (%s): percentile in (0,100) and maxMs > 0 needed", path, i, t.SLO)
			}
		default:
			return nil, fmt.Errorf("%s: threshold %d (%s): unknown kind %q", path, i, t.SLO, t.Kind)
		}
	}
	return &f, nil
}

// errorRate is the availability SLI over one route: responses whose status
// matches the pattern, plus requests that got no response at all.
func errorRate(st *RouteStats, pattern string, transport bool) (float64, error) {
	if st == nil || st.Requests == 0 {
		return 0, nil
	}
	var re *regexp.Regexp
	if pattern != "" {
		var err error
		if re, err = regexp.Compile(pattern); err != nil {
			return 0, err
		}
	}
	bad := 0
	for _, c := range st.codes {
		if c == 0 {
			if transport {
				bad++
			}
			continue
		}
		if re != nil && re.MatchString(fmt.Sprint(c)) {
			bad++
		}
	}
	return float64(bad) / float64(st.Requests), nil
}

// pageRoute's thresholds (page-lcp, page-ttfb, page-submit-to-answer) are
// measured in a real browser by the Chromium page probe (scripts/page-probe.ts),
// which reads the same file; this tool drives HTTP only and leaves them alone.
const pageRoute = "page"

func evaluate(f *ThresholdFile, routes map[string]*RouteStats) []Verdict {
	out := make([]Verdict, 0, len(f.Thresholds))
	for _, t := range f.Thresholds {
		if t.Route == pageRoute {
			continue
		}
		st := routes[t.Route]
		v := Verdict{Threshold: t}
		if st != nil {
			v.Observed = st.Requests
		}
		switch t.Kind {
		case "error-rate":
			rate, _ := errorRate(st, t.StatusPattern, t.TransportErrors)
			v.Value = rate
			v.OK = rate < t.Max
		case "percentile":
			if st == nil || len(st.latencies) == 0 {
				v.Value = -1
				v.OK = false // a latency objective with no requests proves nothing
				break
			}
			s := append([]float64(nil), st.latencies...)
			sort.Float64s(s)
			v.Value = percentile(s, t.Percentile)
			v.OK = v.Value < t.MaxMs
		}
		out = append(out, v)
	}
	return out
}
