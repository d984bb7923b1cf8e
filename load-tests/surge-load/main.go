// surge-load replays Meter Reading Day against read-api on the vegeta
// library (MIT): an open-model arrival rate (normal peak, ramp to 14x, back),
// the surge mix, a per-request result log for the loss audit, an HTML report,
// and the SLOs as pass/fail thresholds (exit 99 when one is crossed, as the
// k6 scenario it replaces did). Why vegeta: docs/decisions/0006-load-tool.md.
//
//	surge-load -target http://127.0.0.1:3100 -fixtures fixtures.json -profile full \
//	           -thresholds load-tests/slo-thresholds.json -out .stack/bench/<run>/load
//
// Profiles: full | short (surge day), constant (-rate singles/s plus
// -batch-rate batches/s, for the fault drills), capacity (closed loop,
// -workers in flight, for the ceiling). Bounded: every profile has a fixed
// length, then in-flight requests get at most -timeout. Loopback only: the
// target must be a 127.0.0.0/8 or localhost address. Exit codes: 0 every SLO
// threshold met, 99 one crossed, 3 the generator fell behind the profile (no
// verdict), 2 a usage or I/O error.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"github.com/tsenart/vegeta/v12/lib/plot"
)

type RouteSummary struct {
	Requests int            `json:"requests"`
	Readings int            `json:"readings"`
	Statuses map[string]int `json:"statuses"`
	Latency  Latency        `json:"latencyMs"`
}

type Summary struct {
	Tool                         string                  `json:"tool"`
	RunID                        string                  `json:"runId"`
	Profile                      string                  `json:"profile"`
	Target                       string                  `json:"target"`
	StartedAt                    time.Time               `json:"startedAt"`
	EndedAt                      time.Time               `json:"endedAt"`
	DurationSeconds              float64                 `json:"durationSeconds"`
	Requests                     int                     `json:"requests"`
	ExpectedRequests             int                     `json:"expectedRequests"`
	GeneratorKeptUp              bool                    `json:"generatorKeptUp"`
	RequestsPerSecond            float64                 `json:"requestsPerSecond"`
	OfferedRequestsPerSecond     float64                 `json:"offeredRequestsPerSecond"`
	PeakOfferedRequestsPerSecond float64                 `json:"peakOfferedRequestsPerSecond"`
	OfferedReadings              int                     `json:"offeredReadings"`
	OfferedReadingsPerSecond     float64                 `json:"offeredReadingsPerSecond"`
	AcceptedReadings             int                     `json:"acceptedReadings"`
	UnreadableAcceptances        int                     `json:"unreadableAcceptances"`
	Routes                       map[string]RouteSummary `json:"routes"`
	SubmitErrorRate              float64                 `json:"submitErrorRate"`
	Thresholds                   []Verdict               `json:"thresholds"`
	AllThresholdsMet             bool                    `json:"allThresholdsMet"`
	// Beyond capacity (open-model profiles): the refused answered fast, the accepted kept fast, recovery.
	Overload  *Overload `json:"overload,omitempty"`
	Generator struct {
		CPUSeconds float64 `json:"cpuSeconds"`
		PeakRssMiB float64 `json:"peakRssMiB"`
	} `json:"generator"`
}

func main() {
	target := flag.String("target", "http://127.0.0.1:3000", "read-api base URL (loopback only)")
	fixturesPath := flag.String("fixtures", "", "fixtures.json from scripts/surge-fixtures.ts")
	profile := flag.String("profile", "full", "full | short | overload | constant | capacity")
	normalPeak := flag.Float64("normal-peak", 40, "surge profiles: iterations/s on an ordinary busy evening")
	multiple := flag.Float64("multiple", 14, "surge profiles: the peak as a multiple of the normal peak")
	rate := flag.Float64("rate", 100, "constant: single submissions/s")
	batchRate := flag.Float64("batch-rate", 0, "constant: collector batches/s (a second attack)")
	batchSize := flag.Int("batch-size", 40, "readings per collector batch")
	duration := flag.Duration("duration", 20*time.Second, "constant and capacity: how long")
	workers := flag.Uint64("workers", 64, "capacity: requests in flight (closed loop)")
	mixName := flag.String("mix", "", "surge | valid (default: valid for constant, surge otherwise)")
	thresholdsPath := flag.String("thresholds", "", "SLO thresholds (load-tests/slo-thresholds.json); none: no verdict")
	outDir := flag.String("out", "", "directory for results.jsonl, summary.json, report.html, latency-plot.html")
	noLog := flag.Bool("no-log", false, "skip the per-request log (the ceiling runs need no audit)")
	runID := flag.String("run-id", fmt.Sprint(time.Now().Unix()), "run id (idempotency keys carry it)")
	timeout := flag.Duration("timeout", 30*time.Second, "per-request timeout (no answer counts as a transport error)")
	maxConns := flag.Int("max-connections", 1024, "connections to the target at most: beyond, requests wait for one (the wait counts in their latency)")
	cpuProfile := flag.String("cpuprofile", "", "write the generator's own CPU profile here (go tool pprof)")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}

	if err := run(*target, *fixturesPath, *profile, *normalPeak, *multiple, *rate, *batchRate, *batchSize, *duration, *workers, *mixName, *thresholdsPath, *outDir, *noLog, *runID, *timeout, *maxConns); err != nil {
		fmt.Fprintln(os.Stderr, "surge-load:", err)
		pprof.StopCPUProfile()
		os.Exit(2)
	}
}

func loopbackOnly(target string) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("target %s is not a loopback address: load is only ever sent to this machine", target)
}

func run(target, fixturesPath, profile string, normalPeak, multiple, rate, batchRate float64, batchSize int, duration time.Duration, workers uint64, mixName, thresholdsPath, outDir string, noLog bool, runID string, timeout time.Duration, maxConns int) error {
	if err := loopbackOnly(target); err != nil {
		return err
	}
	fixtures, err := loadFixtures(fixturesPath)
	if err != nil {
		return err
	}
	var thresholds *ThresholdFile
	if thresholdsPath != "" {
		if thresholds, err = loadThresholds(thresholdsPath); err != nil {
			return err
		}
	}
	if outDir == "" {
		outDir = "."
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	mix := SurgeMix
	if mixName == "valid" || (mixName == "" && profile == "constant") {
		mix = ValidOnly
	}
	scenario := NewScenario(target, fixtures, mix, batchSize, runID)
	logPath := filepath.Join(outDir, "results.jsonl")
	if noLog {
		logPath = ""
	}
	rec, err := NewRecorder(logPath)
	if err != nil {
		return err
	}

	client := &http.Client{
		Timeout: timeout,
		Transport: &trackingTransport{s: scenario, base: &http.Transport{
			Proxy:       nil,
			DialContext: (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
			// Bounded: without it, vegeta under overload opens a connection per stuck request and the
			// generator's own CPU collapses the offered rate (docs/decisions/0006-load-tool.md, run 4).
			MaxConnsPerHost:     maxConns,
			MaxIdleConnsPerHost: maxConns,
			IdleConnTimeout:     60 * time.Second,
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	newAttacker := func(opts ...func(*vegeta.Attacker)) *vegeta.Attacker {
		return vegeta.NewAttacker(append([]func(*vegeta.Attacker){vegeta.Client(client), vegeta.MaxBody(maxAnswerBytes)}, opts...)...)
	}

	type attack struct {
		a     *vegeta.Attacker
		tr    vegeta.Targeter
		pacer vegeta.Pacer
		dur   time.Duration
		name  string
	}
	var attacks []attack
	var offeredPeak float64
	expected := 0 // requests the profile offers (0: closed loop, no schedule to keep)
	var peakEnds time.Duration
	switch profile {
	case "full", "short", "overload":
		stages, err := surgeStages(profile, normalPeak, multiple)
		if err != nil {
			return err
		}
		p := StagedPacer{Start: normalPeak, Stages: stages, Scale: mix.RequestsPerIteration()}
		offeredPeak = normalPeak * multiple * p.scale()
		expected = p.ExpectedRequests()
		peakEnds = p.PeakEnds()
		attacks = append(attacks, attack{newAttacker(vegeta.Workers(64)), scenario.Targeter(), p, p.total() + time.Second, "surge"})
	case "constant":
		attacks = append(attacks, attack{newAttacker(vegeta.Workers(32)), scenario.Targeter(), vegeta.Rate{Freq: int(rate), Per: time.Second}, duration, "singles"})
		if batchRate > 0 {
			attacks = append(attacks, attack{newAttacker(vegeta.Workers(8)), scenario.BatchTargeter(), vegeta.Rate{Freq: int(batchRate), Per: time.Second}, duration, "batches"})
		}
		offeredPeak = rate + batchRate
		expected = int((rate + batchRate) * duration.Seconds())
		peakEnds = duration
	case "capacity":
		// Closed loop: a zero rate means each of `workers` sends its next request as soon as it has an answer.
		attacks = append(attacks, attack{newAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers)), scenario.Targeter(), vegeta.Rate{Freq: 0}, duration, "capacity"})
	default:
		return fmt.Errorf("unknown profile %q (full, short, overload, constant, capacity)", profile)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	results := make(chan *vegeta.Result, 4096)
	done := make(chan struct{})
	for _, at := range attacks {
		at := at
		go func() {
			for r := range at.a.Attack(at.tr, at.pacer, at.dur, at.name) {
				results <- r
			}
			done <- struct{}{}
		}()
	}
	go func() {
		<-ctx.Done()
		for _, at := range attacks {
			at.a.Stop()
		}
	}()
	go func() {
		for range attacks {
			<-done
		}
		close(results)
	}()

	pl := plot.New(plot.Title("surge-load "+runID+" ("+profile+"): latency of every request"), plot.Downsample(4000), plot.Label(func(r *vegeta.Result) string {
		return routeOf(r) + " " + statusClass(r.Code)
	}))
	started := time.Now()
	for r := range results {
		rec.Add(r, batchSize)
		pl.Add(r)
	}
	ended := time.Now()
	if err := rec.Close(); err != nil {
		return err
	}

	s := summarize(rec, thresholds, runID, profile, target, started, ended, offeredPeak)
	// An open-model run is only a verdict on the server if the generator sent what the profile offers:
	// vegeta falling behind reports no error, it just sends less.
	s.ExpectedRequests = expected
	s.GeneratorKeptUp = expected == 0 || float64(s.Requests) >= 0.99*float64(expected)
	if expected > 0 {
		s.Overload = summarizeOverload(rec, peakEnds)
		// Beyond capacity the SLO thresholds are expected to break (the excess is refused): the verdict of an
		// overload run is whether it degraded gracefully.
		if profile == "overload" {
			s.AllThresholdsMet = s.Overload.AllChecksMet
		}
	}
	raw, _ := json.MarshalIndent(s, "", "  ")
	if err := os.WriteFile(filepath.Join(outDir, "summary.json"), raw, 0o644); err != nil {
		return err
	}
	if f, err := os.Create(filepath.Join(outDir, "report.html")); err == nil {
		if err := writeHTMLReport(f, s, rec); err != nil {
			return err
		}
		f.Close()
	}
	if f, err := os.Create(filepath.Join(outDir, "latency-plot.html")); err == nil {
		pl.Close()
		if _, err := pl.WriteTo(f); err != nil {
			return err
		}
		f.Close()
	}
	printSummary(s, outDir)
	if !s.GeneratorKeptUp {
		fmt.Fprintf(os.Stderr, "surge-load: the generator sent %d of the %d requests the profile offers: the run is no verdict on the server\n", s.Requests, expected)
		pprof.StopCPUProfile()
		os.Exit(3)
	}
	if !s.AllThresholdsMet {
		pprof.StopCPUProfile()
		os.Exit(99)
	}
	return nil
}

func summarize(rec *Recorder, thresholds *ThresholdFile, runID, profile, target string, started, ended time.Time, offeredPeak float64) *Summary {
	s := &Summary{Tool: "surge-load (vegeta v12.13.0)", RunID: runID, Profile: profile, Target: target, StartedAt: started, EndedAt: ended, Routes: map[string]RouteSummary{}, AllThresholdsMet: true}
	span := rec.last.Sub(rec.first).Seconds()
	if span <= 0 {
		span = ended.Sub(started).Seconds()
	}
	s.DurationSeconds = span
	for name, st := range rec.routes {
		s.Routes[name] = RouteSummary{Requests: st.Requests, Readings: st.Readings, Statuses: st.Statuses, Latency: latencyOf(st.latencies)}
		s.Requests += st.Requests
		s.OfferedReadings += st.Readings
	}
	s.RequestsPerSecond = float64(s.Requests) / span
	s.OfferedRequestsPerSecond = s.RequestsPerSecond
	s.OfferedReadingsPerSecond = float64(s.OfferedReadings) / span
	s.PeakOfferedRequestsPerSecond = offeredPeak
	s.AcceptedReadings = rec.accepted
	s.UnreadableAcceptances = rec.unreadable
	if st := rec.routes["submit"]; st != nil {
		s.SubmitErrorRate, _ = errorRate(st, "^5..$", true)
	}
	if thresholds != nil {
		s.Thresholds = evaluate(thresholds, rec.routes)
		for _, v := range s.Thresholds {
			s.AllThresholdsMet = s.AllThresholdsMet && v.OK
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		s.Generator.CPUSeconds = float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
		s.Generator.PeakRssMiB = float64(ru.Maxrss) / 1024
	}
	return s
}

// maxAnswerBytes bounds the body kept per answer. It must hold the largest
// answer the audit reads: a 207 for a batch of 1,000 (the API's maximum) is
// about 80 KB received, up to ~200 KB with per-item errors. A cut-off answer
// is counted as an unreadable acceptance, never silently left out.
const maxAnswerBytes = 256 << 10

func printSummary(s *Summary, outDir string) {
	fmt.Printf("surge-load %s (%s): %d requests in %.1f s (%.0f/s), %d readings offered (%.0f/s), %d accepted\n",
		s.RunID, s.Profile, s.Requests, s.DurationSeconds, s.RequestsPerSecond, s.OfferedReadings, s.OfferedReadingsPerSecond, s.AcceptedReadings)
	if s.UnreadableAcceptances > 0 {
		fmt.Printf("  UNREADABLE ACCEPTANCES %d: 2xx answers whose reading ids could not be read; the loss audit cannot check them\n", s.UnreadableAcceptances)
	}
	for _, name := range sortedKeys(s.Routes) {
		r := s.Routes[name]
		fmt.Printf("  %-7s p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  max %.1f ms   %s\n", name, r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Latency.Max, fmtStatuses(r.Statuses))
	}
	for _, v := range s.Thresholds {
		word := "ok  "
		if !v.OK {
			word = "FAIL"
		}
		value := fmt.Sprintf("%.4f", v.Value)
		if v.Kind == "percentile" {
			value = fmt.Sprintf("%.1f ms", v.Value)
		}
		fmt.Printf("  %s %-20s %-7s %-22s %s\n", word, v.SLO, v.Route, v.Expression, value)
	}
	if s.Overload != nil {
		printOverload(s.Overload, s.Profile == "overload")
	}
	fmt.Printf("  generator: %.1f CPU s, peak RSS %.0f MiB\n  report: %s\n", s.Generator.CPUSeconds, s.Generator.PeakRssMiB, filepath.Join(outDir, "report.html"))
}
