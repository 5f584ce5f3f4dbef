#include "core/stats.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace minipc {

namespace {
constexpr size_t kMaxKeptSamples = 1'000'000;
}

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  std::sort(bounds_.begin(), bounds_.end());
  buckets_.assign(bounds_.size() + 1, 0);
}

void Histogram::sample(double v) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  ++buckets_[static_cast<size_t>(it - bounds_.begin())];
  if (count_ == 0) {
    min_ = max_ = v;
  } else {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  ++count_;
  sum_ += v;
  if (samples_.size() < kMaxKeptSamples) samples_.push_back(v);
}

double Histogram::median() const {
  if (samples_.empty()) return 0.0;
  const size_t mid = samples_.size() / 2;
  std::nth_element(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(mid), samples_.end());
  return samples_[mid];
}

nlohmann::json Histogram::to_json() const {
  nlohmann::json j;
  j["count"] = count_;
  j["min"] = min_;
  j["max"] = max_;
  j["mean"] = mean();
  j["median"] = median();
  nlohmann::json buckets = nlohmann::json::array();
  for (size_t i = 0; i < buckets_.size(); ++i) {
    nlohmann::json b;
    if (i < bounds_.size())
      b["le"] = bounds_[i];
    else
      b["le"] = "inf";
    b["count"] = buckets_[i];
    buckets.push_back(b);
  }
  j["buckets"] = buckets;
  return j;
}

StatsRegistry& StatsRegistry::instance() {
  static StatsRegistry registry;
  return registry;
}

Counter& StatsRegistry::counter(const std::string& name, const std::string& unit) {
  Entry& e = entries_[name];
  if (!e.counter) {
    if (e.histogram || e.probe) throw std::logic_error("stat '" + name + "' already exists with another kind");
    e.counter = std::make_unique<Counter>();
    e.unit = unit;
  }
  return *e.counter;
}

Histogram& StatsRegistry::histogram(const std::string& name, std::vector<double> upper_bounds,
                                    const std::string& unit) {
  Entry& e = entries_[name];
  if (!e.histogram) {
    if (e.counter || e.probe) throw std::logic_error("stat '" + name + "' already exists with another kind");
    e.histogram = std::make_unique<Histogram>(std::move(upper_bounds));
    e.unit = unit;
  }
  return *e.histogram;
}

void StatsRegistry::probe(const std::string& name, std::function<double()> read, const std::string& unit) {
  Entry& e = entries_[name];
  if (e.counter || e.histogram) throw std::logic_error("stat '" + name + "' already exists with another kind");
  e.probe = std::move(read);
  e.unit = unit;
}

nlohmann::json StatsRegistry::to_json() const {
  nlohmann::json root = nlohmann::json::object();
  for (const auto& [name, e] : entries_) {
    nlohmann::json* node = &root;
    size_t start = 0;
    for (;;) {
      const size_t dot = name.find('.', start);
      const std::string part = name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (dot == std::string::npos) {
        if (e.histogram) {
          (*node)[part] = e.histogram->to_json();
        } else if (e.counter) {
          (*node)[part] = e.counter->value();
        } else {
          const double v = e.probe();
          // Integral values print as integers: stats stay diffable.
          if (v == static_cast<double>(static_cast<int64_t>(v)))
            (*node)[part] = static_cast<int64_t>(v);
          else
            (*node)[part] = v;
        }
        break;
      }
      nlohmann::json& child = (*node)[part];
      if (!child.is_object()) child = nlohmann::json::object();
      node = &child;
      start = dot + 1;
    }
  }
  return root;
}

double StatsRegistry::value(const std::string& name) const {
  const Entry& e = entries_.at(name);
  if (e.counter) return static_cast<double>(e.counter->value());
  if (e.probe) return e.probe();
  if (e.histogram) return static_cast<double>(e.histogram->count());
  throw std::out_of_range(name);
}

bool StatsRegistry::contains(const std::string& name) const { return entries_.count(name) != 0; }

void StatsRegistry::clear() { entries_.clear(); }

}  // namespace minipc
