package main

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// trackingTransport moves the request's kind onto its response (so the
// result knows what it was) and, once the first request of a retry or
// duplicate pair is answered, queues the second.
type trackingTransport struct {
	base http.RoundTripper
	s    *Scenario
}

func (tt *trackingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	kind := req.Header.Get(kindHeader)
	var body []byte
	if (kind == KindRetry || kind == KindDuplicate) && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			body, _ = io.ReadAll(rc)
		}
	}
	resp, err := tt.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	resp.Header.Set(kindHeader, kind)
	resp.Header.Set(readingsHeader, req.Header.Get(readingsHeader))
	if f, ok := followUpOf(req, body); ok {
		select {
		case tt.s.followUps <- f:
		default: // queue full: the pair stays a single; never block a worker
		}
	}
	return resp, nil
}

// RouteStats holds every latency of one route (exact percentiles: a surge
// day is a few hundred thousand requests) and its status counts.
type RouteStats struct {
	Requests  int            `json:"requests"`
	Readings  int            `json:"readings"`
	Statuses  map[string]int `json:"statuses"` // "0" = no response (transport error or timeout)
	latencies []float64
	codes     []uint16
}

type second struct {
	byClass   map[string]int
	submitLat []float64
	accepted  int
}

// Recorder consumes results in one goroutine: the per-request log, the
// per-route figures and the per-second series of the report.
type Recorder struct {
	log      *bufio.Writer
	logFile  *os.File
	routes   map[string]*RouteStats
	seconds  map[int64]*second
	began    time.Time
	first    time.Time
	last     time.Time
	accepted int
	// Acceptances whose reading ids could not be read (see acceptedAnswer).
	unreadable int
	// Beyond capacity: what the refused were told and how fast, how long anyone waited (overload.go).
	shedLat            []float64
	shedWithRetryAfter int
	acceptedLat        []float64
	longestMs          float64
}

func NewRecorder(logPath string) (*Recorder, error) {
	r := &Recorder{routes: map[string]*RouteStats{}, seconds: map[int64]*second{}, began: time.Now()}
	if logPath != "" {
		f, err := os.Create(logPath)
		if err != nil {
			return nil, err
		}
		r.logFile = f
		r.log = bufio.NewWriterSize(f, 1<<20)
	}
	return r, nil
}

type logLine struct {
	T         int64    `json:"t"`
	Route     string   `json:"route"`
	Kind      string   `json:"kind,omitempty"`
	Status    uint16   `json:"status"`
	LatencyMs float64  `json:"latencyMs"`
	IDs       []string `json:"ids,omitempty"`
	Error     string   `json:"error,omitempty"`
}

type answer struct {
	ReadingID string `json:"readingId"`
	Results   []struct {
		Status    string `json:"status"`
		ReadingID string `json:"readingId"`
	} `json:"results"`
}

func routeOf(res *vegeta.Result) string {
	if strings.HasSuffix(res.URL, "/batch") {
		return "batch"
	}
	return "submit"
}

// acceptedIDs: the readings the API took responsibility for (202, or a
// batch item answered "received"): exactly what the loss audit checks.
func acceptedIDs(route string, res *vegeta.Result) []string {
	ids, _ := acceptedAnswer(route, res)
	return ids
}

// acceptedAnswer is acceptedIDs, and whether an acceptance (202, 207) could
// not be read whole: a body cut off (MaxBody) or without its reading ids.
// Such an answer took responsibility for readings the audit cannot name, so
// it is counted (unreadableAcceptances) and fails the audit instead of
// silently leaving those readings out of the loss check.
func acceptedAnswer(route string, res *vegeta.Result) (ids []string, unreadable bool) {
	if (route == "submit" && res.Code != 202) || (route == "batch" && res.Code != 207 && res.Code != 202) {
		return nil, false
	}
	var a answer
	if json.Unmarshal(res.Body, &a) != nil {
		return nil, true
	}
	if route == "submit" {
		if a.ReadingID == "" {
			return nil, true
		}
		return []string{a.ReadingID}, false
	}
	ids = make([]string, 0, len(a.Results))
	for _, it := range a.Results {
		if it.Status == "received" {
			if it.ReadingID == "" {
				unreadable = true
				continue
			}
			ids = append(ids, it.ReadingID)
		}
	}
	return ids, unreadable || a.Results == nil
}

func statusClass(code uint16) string {
	if code == 0 {
		return "transport"
	}
	return strconv.Itoa(int(code)/100) + "xx"
}

func (r *Recorder) Add(res *vegeta.Result, batchSize int) {
	route := routeOf(res)
	st := r.routes[route]
	if st == nil {
		st = &RouteStats{Statuses: map[string]int{}}
		r.routes[route] = st
	}
	readings := 1
	if route == "batch" {
		readings = batchSize
	}
	ms := float64(res.Latency.Microseconds()) / 1000
	st.Requests++
	st.Readings += readings
	st.Statuses[strconv.Itoa(int(res.Code))]++
	st.latencies = append(st.latencies, ms)
	st.codes = append(st.codes, res.Code)
	if r.first.IsZero() || res.Timestamp.Before(r.first) {
		r.first = res.Timestamp
	}
	if end := res.End(); end.After(r.last) {
		r.last = end
	}
	ids, unreadable := acceptedAnswer(route, res)
	r.accepted += len(ids)
	if unreadable {
		r.unreadable++
	}
	sec := res.Timestamp.Sub(r.began).Milliseconds() / 1000
	s := r.seconds[sec]
	if s == nil {
		s = &second{byClass: map[string]int{}}
		r.seconds[sec] = s
	}
	s.byClass[statusClass(res.Code)]++
	if ms > r.longestMs {
		r.longestMs = ms
	}
	switch {
	case res.Code == 503:
		r.shedLat = append(r.shedLat, ms)
		if res.Headers.Get("Retry-After") != "" {
			r.shedWithRetryAfter++
		}
	case res.Code >= 200 && res.Code < 300:
		r.acceptedLat = append(r.acceptedLat, ms)
	}
	s.accepted += len(ids)
	if route == "submit" {
		s.submitLat = append(s.submitLat, ms)
	}
	if r.log != nil {
		line := logLine{T: res.Timestamp.UnixMilli(), Route: route, Kind: res.Headers.Get(kindHeader), Status: res.Code, LatencyMs: ms, IDs: ids}
		if res.Code == 0 {
			line.Error = res.Error
		}
		b, _ := json.Marshal(line)
		r.log.Write(b)
		r.log.WriteByte('\n')
	}
}

func (r *Recorder) Close() error {
	if r.log != nil {
		if err := r.log.Flush(); err != nil {
			return err
		}
		return r.logFile.Close()
	}
	return nil
}

// percentile interpolates linearly between the closest ranks.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	rank := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	hi := int(math.Ceil(rank))
	return sorted[lo] + (sorted[hi]-sorted[lo])*(rank-float64(lo))
}

type Latency struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func latencyOf(values []float64) Latency {
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	if len(s) == 0 {
		return Latency{}
	}
	return Latency{P50: percentile(s, 50), P90: percentile(s, 90), P95: percentile(s, 95), P99: percentile(s, 99), Max: s[len(s)-1]}
}
