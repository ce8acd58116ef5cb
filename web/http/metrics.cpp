#include "http/metrics.h"

#include <cmath>
#include <cstdio>

namespace sendflow::web {
namespace {

// A label value as the format wants it: backslash, double quote and line feed escaped.
std::string escaped(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string_view knownMethod(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    if (m == known) return known;
  return "other";
}

}  // namespace

void MetricsText::family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void MetricsText::sample(std::string_view name, double value, const Labels& labels) {
  out_.append(name);
  if (!labels.empty()) {
    out_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i) out_ += ',';
      out_.append(labels[i].first).append("=\"").append(escaped(labels[i].second)).append("\"");
    }
    out_ += '}';
  }
  out_.append(" ").append(number(value)).append("\n");
}

void ServerMetrics::observeRequest(std::string_view method, std::string_view route, int status,
                                   double seconds) {
  std::lock_guard lock(mutex_);
  auto& s = requests_[{std::string(route), std::string(knownMethod(method)), status}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) {
      ++s.buckets[i];
      break;
    }
  ++s.count;
  s.sum += seconds;
}

void ServerMetrics::connections(int open, int idle, int webSockets) {
  open_ = open;
  idle_ = idle;
  webSockets_ = webSockets;
}

void ServerMetrics::write(MetricsText& out) const {
  {
    std::lock_guard lock(mutex_);
    out.family("sendflow_http_requests_total", "counter",
               "HTTP requests answered, by route pattern, method and status.");
    for (const auto& [key, s] : requests_) {
      const auto& [route, method, status] = key;
      out.sample("sendflow_http_requests_total", static_cast<double>(s.count),
                 {{"route", route}, {"method", method}, {"status", std::to_string(status)}});
    }
    out.family("sendflow_http_request_duration_seconds", "histogram",
               "Time from a complete request to its response, by route pattern and method.");
    std::map<std::pair<std::string, std::string>, Series> byRoute;
    for (const auto& [key, s] : requests_) {
      auto& r = byRoute[{std::get<0>(key), std::get<1>(key)}];
      for (std::size_t i = 0; i < kBuckets.size(); ++i) r.buckets[i] += s.buckets[i];
      r.count += s.count;
      r.sum += s.sum;
    }
    for (const auto& [key, s] : byRoute) {
      const auto& [route, method] = key;
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += s.buckets[i];
        out.sample("sendflow_http_request_duration_seconds_bucket", static_cast<double>(cumulative),
                   {{"route", route}, {"method", method}, {"le", number(kBuckets[i])}});
      }
      out.sample("sendflow_http_request_duration_seconds_bucket", static_cast<double>(s.count),
                 {{"route", route}, {"method", method}, {"le", "+Inf"}});
      out.sample("sendflow_http_request_duration_seconds_sum", s.sum,
                 {{"route", route}, {"method", method}});
      out.sample("sendflow_http_request_duration_seconds_count", static_cast<double>(s.count),
                 {{"route", route}, {"method", method}});
    }
  }
  out.family("sendflow_http_connections", "gauge",
             "Connections the event loop holds now, by kind (idle: keep-alive between requests).");
  out.sample("sendflow_http_connections", open_, {{"kind", "open"}});
  out.sample("sendflow_http_connections", idle_, {{"kind", "idle"}});
  out.sample("sendflow_http_connections", webSockets_, {{"kind", "websocket"}});
}

}  // namespace sendflow::web
