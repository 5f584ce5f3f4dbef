// Stats registry: hierarchical names, counters, probes, histograms, JSON.
#include <gtest/gtest.h>

#include "core/stats.h"

using namespace minipc;

TEST(Stats, CountersNestByDottedName) {
  StatsRegistry s;
  s.counter("bus.initiator.cpu0.transactions").add(3);
  s.counter("bus.unmapped").add();
  const auto j = s.to_json();
  EXPECT_EQ(j["bus"]["initiator"]["cpu0"]["transactions"], 3);
  EXPECT_EQ(j["bus"]["unmapped"], 1);
}

TEST(Stats, ProbesReadAtDumpTime) {
  StatsRegistry s;
  uint64_t insns = 0;
  s.probe("cpu0.instructions", [&] { return static_cast<double>(insns); });
  insns = 1234;
  EXPECT_EQ(s.to_json()["cpu0"]["instructions"], 1234);
  EXPECT_DOUBLE_EQ(s.value("cpu0.instructions"), 1234.0);
}

TEST(Stats, HistogramBucketsMinMaxMedian) {
  StatsRegistry s;
  auto& h = s.histogram("irq.latency_ns", {10, 100, 1000});
  for (double v : {5.0, 50.0, 60.0, 500.0, 5000.0}) h.sample(v);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_DOUBLE_EQ(h.min(), 5.0);
  EXPECT_DOUBLE_EQ(h.max(), 5000.0);
  EXPECT_DOUBLE_EQ(h.median(), 60.0);
  const auto j = s.to_json()["irq"]["latency_ns"];
  EXPECT_EQ(j["buckets"][0]["count"], 1);
  EXPECT_EQ(j["buckets"][1]["count"], 2);
  EXPECT_EQ(j["buckets"][2]["count"], 1);
  EXPECT_EQ(j["buckets"][3]["count"], 1);
  EXPECT_EQ(j["buckets"][3]["le"], "inf");
}

TEST(Stats, SameNameSameCounter) {
  StatsRegistry s;
  s.counter("a.b").add(2);
  s.counter("a.b").add(3);
  EXPECT_EQ(s.counter("a.b").value(), 5u);
}

TEST(Stats, KindClashIsAnError) {
  StatsRegistry s;
  s.counter("a.b");
  EXPECT_THROW(s.histogram("a.b", {1}), std::logic_error);
}

TEST(Stats, DumpIsDeterministic) {
  StatsRegistry a, b;
  for (auto* s : {&a, &b}) {
    s->counter("z.y").add(1);
    s->counter("a.c").add(2);
  }
  EXPECT_EQ(a.to_json().dump(), b.to_json().dump());
}
