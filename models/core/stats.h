// The stats registry: counters, histograms and probes with hierarchical names
// ("bus.initiator.cpu0.wait_cycles"), dumped as one JSON document.
//
// Counters and histograms are owned by the registry and live until clear();
// models keep references to them. Probes read a model's own variables when
// the stats are dumped, so hot paths (per instruction) pay nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minipc {

class Counter {
 public:
  void add(uint64_t n = 1) { value_ += n; }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
};

// A histogram with fixed bucket upper bounds (the last bucket is open).
// Also keeps count, sum, min, max, and the exact median of up to 1e6 samples.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void sample(double v);
  uint64_t count() const { return count_; }
  double min() const { return min_; }
  double max() const { return max_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  double median() const;
  nlohmann::json to_json() const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  double sum_ = 0, min_ = 0, max_ = 0;
  mutable std::vector<double> samples_;
};

class StatsRegistry {
 public:
  static StatsRegistry& instance();

  Counter& counter(const std::string& name, const std::string& unit = "");
  Histogram& histogram(const std::string& name, std::vector<double> upper_bounds,
                       const std::string& unit = "");
  void probe(const std::string& name, std::function<double()> read, const std::string& unit = "");

  // Nested JSON: "a.b.c" becomes {"a":{"b":{"c":...}}}. Deterministic order.
  nlohmann::json to_json() const;
  // Flat value of a counter or probe; throws std::out_of_range if unknown.
  double value(const std::string& name) const;
  bool contains(const std::string& name) const;

  void clear();

 private:
  struct Entry {
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> probe;
    std::string unit;
  };
  std::map<std::string, Entry> entries_;
};

}  // namespace minipc
