// `/metrics`: what the server counts, in Prometheus's text exposition format (version 0.0.4).
// Requests by route pattern (never the raw path: ids would make a series per pupil), method and
// status with a latency histogram, and the connections the event loop holds. The application's
// own gauges (outbox, live sessions, database size, backups, audit head) are added by
// Services::collectMetrics when the page is asked for.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace sendflow::web {

// Writes the exposition text: one family (# HELP, # TYPE) and then its samples.
class MetricsText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, double value, const Labels& labels = {});
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// Thread-safe: workers observe requests, the event loop reports its connections.
class ServerMetrics {
 public:
  // `route`: the router's pattern ("/plans/{id}"), or "unmatched". Methods other than the
  // HTTP ones sendflow knows are counted as "other".
  void observeRequest(std::string_view method, std::string_view route, int status, double seconds);
  // The event loop's connections now: all open, idle keep-alive ones, WebSockets.
  void connections(int open, int idle, int webSockets);
  void write(MetricsText& out) const;

  static constexpr std::array<double, 11> kBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                   0.5,   1,    2.5,   5,    10};

 private:
  struct Series {
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // cumulative at write time
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, Series> requests_;  // route, method, status
  std::atomic<int> open_{0}, idle_{0}, webSockets_{0};
};

}  // namespace sendflow::web
