package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestStagedPacerOffersTheProfileWhateverTheServerDoes(t *testing.T) {
	stages, _ := surgeStages("full", 40, 14)
	p := StagedPacer{Start: 40, Stages: stages}
	// 20 s at 40 + 40 s ramp 40->560 + 90 s at 560 + 20 s ramp 560->40 + 10 s at 40
	want := 40*20 + (40+560)/2.0*40 + 560*90 + (560+40)/2.0*20 + 40*10
	if got := p.ExpectedRequests(); math.Abs(float64(got)-want) > 1 {
		t.Fatalf("expected %v requests, got %v", want, got)
	}
	if r := p.Rate(100 * time.Second); r != 560 {
		t.Fatalf("plateau rate %v", r)
	}
	// Behind schedule: no wait. Ahead: wait until the next request is due.
	if w, stop := p.Pace(10*time.Second, 100); w != 0 || stop {
		t.Fatalf("behind schedule should send now, got %v %v", w, stop)
	}
	if w, _ := p.Pace(time.Second, 40); w < 20*time.Millisecond || w > 30*time.Millisecond {
		t.Fatalf("at 40/s the 41st request is due 25 ms after the 40th, got %v", w)
	}
	if _, stop := p.Pace(181*time.Second, 0); !stop {
		t.Fatal("the profile must stop by itself")
	}
}

func TestMixKeepsTheSurgeShares(t *testing.T) {
	counts := map[string]int{}
	for n := uint64(0); n < 10000; n++ {
		counts[SurgeMix.kindOf(n)]++
	}
	want := map[string]int{KindBatch: 1200, KindInvalid: 400, KindRetry: 300, KindDuplicate: 200, KindValid: 7900}
	for k, v := range want {
		if counts[k] != v {
			t.Fatalf("%s: want %d, got %d (%v)", k, v, counts[k], counts)
		}
	}
	if ValidOnly.kindOf(12345) != KindValid {
		t.Fatal("the drills' mix is genuine singles only")
	}
}

func TestThresholdsFailTheRunExactlyWhenAnSloIsBroken(t *testing.T) {
	f := &ThresholdFile{Thresholds: []Threshold{
		{SLO: "submit-availability", Route: "submit", Kind: "error-rate", Max: 0.001, StatusPattern: "^(?:5..)$", TransportErrors: true},
		{SLO: "submit-latency", Route: "submit", Kind: "percentile", Percentile: 99, MaxMs: 250},
	}}
	st := &RouteStats{Statuses: map[string]int{}}
	for i := 0; i < 1000; i++ {
		st.Requests++
		st.codes = append(st.codes, 202)
		st.latencies = append(st.latencies, 10)
	}
	v := evaluate(f, map[string]*RouteStats{"submit": st})
	if !v[0].OK || !v[1].OK {
		t.Fatalf("a clean run passes: %+v", v)
	}
	st.codes[0], st.codes[1] = 503, 0 // one 5xx and one request without an answer: 0.2%
	for i := 0; i < 20; i++ {
		st.latencies[i] = 400
	}
	v = evaluate(f, map[string]*RouteStats{"submit": st})
	if v[0].OK || math.Abs(v[0].Value-0.002) > 1e-9 {
		t.Fatalf("0.2%% errors breaks 99.9%%: %+v", v[0])
	}
	if v[1].OK {
		t.Fatalf("2%% over 250 ms breaks p99 < 250 ms: %+v", v[1])
	}
	if w := evaluate(f, map[string]*RouteStats{}); w[1].OK {
		t.Fatal("a latency objective with no requests proves nothing and fails")
	}
}

func TestTheGeneratedThresholdFileLoads(t *testing.T) {
	f, err := loadThresholds(filepath.Join("..", "slo-thresholds.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Thresholds) == 0 {
		t.Fatal("no thresholds")
	}
}

func TestAcceptedIDsAreWhatTheApiTookResponsibilityFor(t *testing.T) {
	single := &vegeta.Result{Code: 202, URL: "http://127.0.0.1/v1/meter-readings", Body: []byte(`{"readingId":"a","status":"received"}`)}
	if ids := acceptedIDs("submit", single); len(ids) != 1 || ids[0] != "a" {
		t.Fatal(ids)
	}
	refused := &vegeta.Result{Code: 503, Body: []byte(`{"readingId":"b"}`)}
	if ids := acceptedIDs("submit", refused); ids != nil {
		t.Fatal("a 503 accepted nothing")
	}
	batch := &vegeta.Result{Code: 207, Body: []byte(`{"results":[{"status":"received","readingId":"x"},{"status":"rejected"},{"status":"received","readingId":"y"}]}`)}
	if ids := acceptedIDs("batch", batch); len(ids) != 2 {
		t.Fatal(ids)
	}
}

func TestAnAcceptanceWhoseIdsCannotBeReadIsCountedNotDropped(t *testing.T) {
	// Regression: a 207 cut off at MaxBody (a large batch) or a 202 without its id added nothing
	// to the audited set and nothing anywhere else, so its readings escaped the loss audit.
	rec, err := NewRecorder("")
	if err != nil {
		t.Fatal(err)
	}
	cut := &vegeta.Result{Code: 207, URL: "http://127.0.0.1/v1/meter-readings/batch", Body: []byte(`{"results":[{"index":0,"status":"received","readingId":"x"},{"ind`)}
	rec.Add(cut, 2)
	rec.Add(&vegeta.Result{Code: 202, URL: "http://127.0.0.1/v1/meter-readings", Body: []byte(`{"status":"received"}`)}, 1)
	rec.Add(&vegeta.Result{Code: 202, URL: "http://127.0.0.1/v1/meter-readings", Body: []byte(`{"readingId":"a","status":"received"}`)}, 1)
	rec.Add(&vegeta.Result{Code: 503, URL: "http://127.0.0.1/v1/meter-readings", Body: []byte(`{`)}, 1)
	if rec.unreadable != 2 || rec.accepted != 1 {
		t.Fatalf("unreadable %d, accepted %d", rec.unreadable, rec.accepted)
	}
}

func TestOnlyLoopbackIsATarget(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:3000", "http://localhost:3000", "http://[::1]:3000", "http://127.3.2.1"} {
		if loopbackOnly(ok) != nil {
			t.Fatal(ok)
		}
	}
	for _, bad := range []string{"http://10.0.0.1", "http://example.com", "http://192.168.1.1:80"} {
		if loopbackOnly(bad) == nil {
			t.Fatal(bad)
		}
	}
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }

func TestPageThresholdsAreLeftToTheBrowserProbe(t *testing.T) {
	f := &ThresholdFile{Thresholds: []Threshold{{SLO: "page-lcp", Route: "page", Kind: "percentile", Percentile: 95, MaxMs: 2500}}}
	if v := evaluate(f, map[string]*RouteStats{}); len(v) != 0 {
		t.Fatalf("page thresholds are the Chromium probe's, got verdicts %+v", v)
	}
}
