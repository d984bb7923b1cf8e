package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Fixtures are written by scripts/surge-fixtures.ts: customers, each with
// their own account, supply point, meter and token (so object-level
// authorization runs on every request), and the collector's API key.
type Customer struct {
	AccountID              string `json:"accountId"`
	SupplyPointID          string `json:"supplyPointId"`
	CollectorSupplyPointID string `json:"collectorSupplyPointId"`
	MeterSerial            string `json:"meterSerial"`
	Token                  string `json:"token"`
}

type Fixtures struct {
	RunID        string     `json:"runId"`
	CollectorKey string     `json:"collectorKey"`
	Customers    []Customer `json:"customers"`
}

func loadFixtures(path string) (*Fixtures, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f Fixtures
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(f.Customers) == 0 {
		return nil, fmt.Errorf("%s: no customers", path)
	}
	return &f, nil
}

// Kinds of request in the mix. They travel with the request in a header the
// tracking transport moves onto the response, so every result says what it was.
const (
	KindValid     = "valid"     // a customer's genuine reading, with an Idempotency-Key
	KindInvalid   = "invalid"   // a bad MPAN or a future date: must be a 4xx, never a 5xx
	KindRetry     = "retry"     // first of two identical requests with the same key
	KindRetried   = "retried"   // the retry itself: the first answer replayed, stored once
	KindDuplicate = "duplicate" // first of two identical readings without a key
	KindDuplicated = "duplicated" // the second: a new id, decided as a duplicate
	KindBatch     = "batch"     // a data collector's batch
)

const kindHeader = "X-Surge-Kind"
const readingsHeader = "X-Surge-Readings"

// Mix decides what iteration n is, deterministically and spread evenly over
// time (n*7919 mod 100 walks every residue): 12% collector batches; 4%
// invalid; 3% retried with the same key; 2% keyless duplicates; the rest
// genuine singles. The same shares as the k6 scenario this replaces.
type Mix struct {
	BatchShare, InvalidShare, RetryShare, DuplicateShare int
}

var SurgeMix = Mix{BatchShare: 12, InvalidShare: 4, RetryShare: 3, DuplicateShare: 2}

// ValidOnly is the fault drills' mix: genuine singles only (batches come from
// their own attack at their own rate).
var ValidOnly = Mix{}

func (m Mix) kindOf(n uint64) string {
	roll := int((n * 7919) % 100)
	switch {
	case roll < m.BatchShare:
		return KindBatch
	case roll < m.BatchShare+m.InvalidShare:
		return KindInvalid
	case roll < m.BatchShare+m.InvalidShare+m.RetryShare:
		return KindRetry
	case roll < m.BatchShare+m.InvalidShare+m.RetryShare+m.DuplicateShare:
		return KindDuplicate
	}
	return KindValid
}

// RequestsPerIteration: retries and duplicates send a second request.
func (m Mix) RequestsPerIteration() float64 {
	return 1 + float64(m.RetryShare+m.DuplicateShare)/100
}

// Scenario builds the requests. Each customer submits once per "cycle" of the
// customer list; a cycle stands for one day of meter time (from 400 days ago),
// each reading 0.1 above the last, so genuine submissions are ordered, in the
// past and far below twice the expected advance: accepted. The invalid and
// duplicate ones in the mix are the only rejections.
type Scenario struct {
	Target    string
	Fixtures  *Fixtures
	Mix       Mix
	BatchSize int
	RunID     string
	baseMs    int64
	next      atomic.Uint64
	nextBatch atomic.Uint64
	// Second requests of retries and duplicates, queued when the first is
	// answered (a client retries after an answer, not alongside it).
	followUps chan vegeta.Target
}

const dayMs = 24 * 3600 * 1000

func NewScenario(target string, f *Fixtures, mix Mix, batchSize int, runID string) *Scenario {
	return &Scenario{
		Target: target, Fixtures: f, Mix: mix, BatchSize: batchSize, RunID: runID,
		baseMs:    time.Now().UnixMilli() - 400*dayMs,
		followUps: make(chan vegeta.Target, 65536),
	}
}

func (s *Scenario) readAt(n uint64) string {
	count := uint64(len(s.Fixtures.Customers))
	ms := s.baseMs + int64(n/count)*dayMs + int64(n%count)*1000
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func (s *Scenario) value(start float64, n uint64) string {
	count := uint64(len(s.Fixtures.Customers))
	return strconv.FormatFloat(start+float64(n/count)*0.1, 'f', 1, 64)
}

type reading struct {
	AccountID     string `json:"accountId,omitempty"`
	SupplyPointID string `json:"supplyPointId"`
	MeterSerial   string `json:"meterSerial"`
	RegisterID    string `json:"registerId"`
	ReadAt        string `json:"readAt"`
	Value         string `json:"value"`
	Source        string `json:"source,omitempty"`
}

// Targeter: a queued follow-up first, else the next iteration of the mix.
func (s *Scenario) Targeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		select {
		case f := <-s.followUps:
			*t = f
			return nil
		default:
		}
		n := s.next.Add(1) - 1
		kind := s.Mix.kindOf(n)
		if kind == KindBatch {
			s.batch(n, t)
			return nil
		}
		s.single(n, kind, t)
		return nil
	}
}

// BatchTargeter sends collector batches only (the drills' second attack,
// whose singles come from a ValidOnly mix: the two never share a batch number).
func (s *Scenario) BatchTargeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		s.batch(s.nextBatch.Add(1)-1, t)
		return nil
	}
}

func (s *Scenario) single(n uint64, kind string, t *vegeta.Target) {
	c := s.Fixtures.Customers[n%uint64(len(s.Fixtures.Customers))]
	r := reading{SupplyPointID: c.SupplyPointID, MeterSerial: c.MeterSerial, RegisterID: "S", ReadAt: s.readAt(n), Value: s.value(10000, n)}
	if kind == KindInvalid {
		if n%2 == 0 {
			r.SupplyPointID = "1000000000000" // fails the MPAN check digit
		} else {
			r.ReadAt = "2099-01-01T00:00:00Z" // in the future
		}
	}
	body, _ := json.Marshal(r)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "Bearer "+c.Token)
	h.Set(kindHeader, kind)
	h.Set(readingsHeader, "1")
	if kind != KindDuplicate {
		h.Set("Idempotency-Key", fmt.Sprintf("surge-%s-%d", s.RunID, n))
	}
	*t = vegeta.Target{Method: http.MethodPost, URL: s.Target + "/v1/meter-readings", Body: body, Header: h}
}

func (s *Scenario) batch(n uint64, t *vegeta.Target) {
	readings := make([]reading, s.BatchSize)
	count := uint64(len(s.Fixtures.Customers))
	for i := range readings {
		m := n*uint64(s.BatchSize) + uint64(i)
		c := s.Fixtures.Customers[m%count]
		readings[i] = reading{AccountID: c.AccountID, SupplyPointID: c.CollectorSupplyPointID, MeterSerial: c.MeterSerial, RegisterID: "S", ReadAt: s.readAt(m), Value: s.value(20000, m), Source: "R"}
	}
	body, _ := json.Marshal(map[string]any{"readings": readings})
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Api-Key", s.Fixtures.CollectorKey)
	h.Set("Idempotency-Key", fmt.Sprintf("surge-%s-batch-%d", s.RunID, n))
	h.Set(kindHeader, KindBatch)
	h.Set(readingsHeader, strconv.Itoa(s.BatchSize))
	*t = vegeta.Target{Method: http.MethodPost, URL: s.Target + "/v1/meter-readings/batch", Body: body, Header: h}
}

// followUpOf is the second request of a retry or duplicate pair.
func followUpOf(req *http.Request, body []byte) (vegeta.Target, bool) {
	var next string
	switch req.Header.Get(kindHeader) {
	case KindRetry:
		next = KindRetried
	case KindDuplicate:
		next = KindDuplicated
	default:
		return vegeta.Target{}, false
	}
	h := req.Header.Clone()
	h.Set(kindHeader, next)
	h.Del("X-Vegeta-Seq")
	return vegeta.Target{Method: req.Method, URL: req.URL.String(), Body: body, Header: h}, true
}
