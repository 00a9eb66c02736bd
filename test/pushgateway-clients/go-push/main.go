// go-push: pushes metrics to a Pushgateway API with client_golang's prometheus/push package, unmodified, so
// the tests and the HPA scenario prove the adapter against the Go client as users run it: delimited protobuf
// MetricFamily (the package's default format), Push (PUT), Add (POST), Delete, BasicAuth, custom headers.
//
// Usage: go-push '<spec JSON>'   (or the spec on stdin when no argument is given)
//
//	{"op": "push" | "add" | "delete", "gateway": "http://127.0.0.1:8787", "job": "batch",
//	 "grouping": {"namespace": "default", "pod": "worker-0"},
//	 "basicAuth": {"username": "u", "password": "<token>"}, "bearer": "<token>",
//	 "metrics": [{"type": "gauge" | "counter" | "summary" | "histogram", "name": "queue_depth", "help": "…",
//	              "labels": {"queue": "orders"}, "value": 12, "observations": [0.2, 0.4], "buckets": [0.1, 1]}]}
//
// A gauge is Set to value, a counter Add-ed value (from zero), summaries and histograms Observe each
// observation. Exit 0 when the client reports success; otherwise the client's error on stderr and exit 1.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
)

type metricSpec struct {
	Type         string            `json:"type"`
	Name         string            `json:"name"`
	Help         string            `json:"help"`
	Labels       map[string]string `json:"labels"`
	Value        float64           `json:"value"`
	Observations []float64         `json:"observations"`
	Buckets      []float64         `json:"buckets"`
}

type spec struct {
	Op        string            `json:"op"`
	Gateway   string            `json:"gateway"`
	Job       string            `json:"job"`
	Grouping  map[string]string `json:"grouping"`
	BasicAuth *struct {
		Username string `json:"username"`
		Password string `json:"password"`
	} `json:"basicAuth"`
	Bearer  string       `json:"bearer"`
	Metrics []metricSpec `json:"metrics"`
}

func labelNames(m map[string]string) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// register records every metric of the spec in a fresh registry; metrics sharing a name share one vector.
func register(metrics []metricSpec) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	vecs := map[string]prometheus.Collector{}
	for _, m := range metrics {
		names := labelNames(m.Labels)
		c, seen := vecs[m.Name]
		if !seen {
			switch m.Type {
			case "gauge":
				c = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: m.Name, Help: m.Help}, names)
			case "counter":
				c = prometheus.NewCounterVec(prometheus.CounterOpts{Name: m.Name, Help: m.Help}, names)
			case "summary":
				c = prometheus.NewSummaryVec(prometheus.SummaryOpts{Name: m.Name, Help: m.Help, Objectives: map[float64]float64{0.5: 0.05, 0.9: 0.01}}, names)
			case "histogram":
				buckets := m.Buckets
				if buckets == nil {
					buckets = prometheus.DefBuckets
				}
				c = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: m.Name, Help: m.Help, Buckets: buckets}, names)
			default:
				return nil, fmt.Errorf("metric %s: unknown type %q", m.Name, m.Type)
			}
			if err := reg.Register(c); err != nil {
				return nil, err
			}
			vecs[m.Name] = c
		}
		labels := prometheus.Labels(m.Labels)
		switch v := c.(type) {
		case *prometheus.GaugeVec:
			v.With(labels).Set(m.Value)
		case *prometheus.CounterVec:
			v.With(labels).Add(m.Value)
		case *prometheus.SummaryVec:
			for _, o := range m.Observations {
				v.With(labels).Observe(o)
			}
		case *prometheus.HistogramVec:
			for _, o := range m.Observations {
				v.With(labels).Observe(o)
			}
		}
	}
	return reg, nil
}

func run(s spec) error {
	p := push.New(s.Gateway, s.Job).Client(&http.Client{Timeout: 30 * time.Second})
	for _, k := range labelNames(s.Grouping) {
		p = p.Grouping(k, s.Grouping[k])
	}
	if s.Bearer != "" {
		p = p.Header(http.Header{"Authorization": {"Bearer " + s.Bearer}})
	}
	if s.BasicAuth != nil {
		p = p.BasicAuth(s.BasicAuth.Username, s.BasicAuth.Password)
	}
	if s.Op == "delete" {
		return p.Delete()
	}
	reg, err := register(s.Metrics)
	if err != nil {
		return err
	}
	p = p.Gatherer(reg)
	switch s.Op {
	case "push":
		return p.Push()
	case "add":
		return p.Add()
	}
	return fmt.Errorf("unknown op %q (push, add, delete)", s.Op)
}

func main() {
	var raw []byte
	var err error
	if len(os.Args) > 1 {
		raw = []byte(os.Args[1])
	} else if raw, err = io.ReadAll(os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var s spec
	if err := json.Unmarshal(raw, &s); err != nil {
		fmt.Fprintln(os.Stderr, "spec:", err)
		os.Exit(2)
	}
	if err := run(s); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
