// A chart that reads the same in a browser and on paper: plain SVG, no
// script, no external font or style. Latency spans three decades between a
// spin loop and a cross-core wake-up, so its axis is logarithmic; so is
// throughput's, against message size.
#include <ipcctl/bench/report.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace ipcctl::bench {

namespace {

constexpr int k_width = 900, k_left = 230, k_right = 30, k_row = 18;

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

const char* colour(const Placement& p) {
  if (p.kind() == "cross-core") return "#1f5fa8";
  if (p.kind() == "same-core") return "#d0671f";
  return "#555555";
}

// Maps [lo, hi] (log10) onto [x0, x1] pixels.
struct LogAxis {
  double lo, hi, x0, x1;
  double at(double v) const {
    return x0 + (std::log10(std::max(v, 1e-9)) - lo) / (hi - lo) * (x1 - x0);
  }
};

} // namespace

std::string render_svg(const Report& rep) {
  std::vector<const RunResult*> lat, thr;
  for (const auto& row : rep.rows) {
    if (row.status() != Status::ok) continue;
    (row.runs.front().spec.test == Test::latency ? lat : thr).push_back(&row.median());
  }
  std::sort(lat.begin(), lat.end(), [](auto* a, auto* b) { return a->round_trip.percentile(50) < b->round_trip.percentile(50); });

  const int lat_h = lat.empty() ? 0 : 70 + k_row * static_cast<int>(lat.size());
  const int thr_h = thr.empty() ? 0 : 340;
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      k_width, lat_h + thr_h + 40);
  out += fmt::format("<text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">ipcbench: {}, {} CPUs, kernel {}{}</text>\n",
                     escape(rep.machine.cpu_model), rep.machine.cpus, escape(rep.machine.kernel),
                     rep.machine.noise.empty() ? "" : " (noisy run)");
  int y = 40;
  auto ticks = [&](const LogAxis& ax, int top, int bottom, bool ns) {
    for (int e = static_cast<int>(std::floor(ax.lo)); e <= static_cast<int>(std::ceil(ax.hi)); ++e) {
      const double v = std::pow(10.0, e);
      const double x = ax.at(v);
      if (x < ax.x0 - 0.5 || x > ax.x1 + 0.5) continue;
      out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#dddddd\"/>\n", x, top, bottom);
      out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555555\">{}</text>\n", x, bottom + 12,
                         ns ? format_ns(v) : format_count(v));
    }
  };

  if (!lat.empty()) {
    double lo = 1e300, hi = 0;
    for (auto* r : lat) {
      lo = std::min(lo, static_cast<double>(std::max<std::uint64_t>(r->round_trip.min(), 1)));
      hi = std::max(hi, static_cast<double>(r->round_trip.percentile(99.9)));
    }
    const LogAxis ax{std::floor(std::log10(lo)), std::ceil(std::log10(hi)), k_left, k_width - k_right};
    out += fmt::format("<text x=\"10\" y=\"{}\" font-size=\"12\" font-weight=\"bold\">Round-trip latency (log scale): "
                       "dot p50, bar p50-p99, line min-p99.9; blue cross-core, orange same-core</text>\n", y);
    const int top = y + 10, bottom = top + k_row * static_cast<int>(lat.size());
    ticks(ax, top, bottom, true);
    int row_y = top;
    for (auto* r : lat) {
      const Histogram& h = r->round_trip;
      const double cy = row_y + k_row / 2.0;
      const char* c = colour(r->spec.placement);
      out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{} {} {}</text>\n", k_left - 6, cy + 4,
                         escape(r->spec.transport->name), format_size(r->size), escape(r->spec.placement.label()));
      out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>\n",
                         ax.at(static_cast<double>(std::max<std::uint64_t>(h.min(), 1))), cy,
                         ax.at(static_cast<double>(h.percentile(99.9))), cy, c);
      const double x50 = ax.at(static_cast<double>(h.percentile(50))), x99 = ax.at(static_cast<double>(h.percentile(99)));
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"8\" fill=\"{}\" fill-opacity=\"0.35\"/>\n",
                         x50, cy - 4, std::max(1.0, x99 - x50), c);
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>p50 {}</title></circle>\n", x50, cy, c,
                         format_ns(static_cast<double>(h.percentile(50))));
      row_y += k_row;
    }
    y = bottom + 40;
  }

  if (!thr.empty()) {
    // One line per mechanism and placement, through its sizes.
    std::map<std::string, std::vector<const RunResult*>> series;
    double smin = 1e300, smax = 0, tmin = 1e300, tmax = 0;
    for (auto* r : thr) {
      series[escape(fmt::format("{} {}", r->spec.transport->name, r->spec.placement.label()))].push_back(r);
      smin = std::min(smin, static_cast<double>(r->size));
      smax = std::max(smax, static_cast<double>(r->size));
      tmin = std::min(tmin, std::max(r->mb_per_s, 0.01));
      tmax = std::max(tmax, r->mb_per_s);
    }
    const int top = y + 10, bottom = y + 260;
    const LogAxis xs{std::floor(std::log10(smin)) - 0.3, std::ceil(std::log10(smax)) + 0.3, k_left, k_width - k_right};
    const LogAxis ys{std::floor(std::log10(tmin)), std::ceil(std::log10(tmax)), static_cast<double>(bottom), static_cast<double>(top)};
    out += fmt::format("<text x=\"10\" y=\"{}\" font-size=\"12\" font-weight=\"bold\">Throughput, MB/s at the receiver "
                       "(log scale), against message size in bytes</text>\n", y);
    for (int e = static_cast<int>(ys.lo); e <= static_cast<int>(ys.hi); ++e) {
      const double py = ys.at(std::pow(10.0, e));
      out += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#dddddd\"/>\n", k_left, py, k_width - k_right, py);
      out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"#555555\">{}</text>\n", k_left - 4, py + 4,
                         format_count(std::pow(10.0, e)));
    }
    ticks(xs, top, bottom, false);
    for (auto& [name, points] : series) {
      std::sort(points.begin(), points.end(), [](auto* a, auto* b) { return a->size < b->size; });
      const char* c = colour(points.front()->spec.placement);
      std::string path;
      for (auto* p : points)
        path += fmt::format("{:.1f},{:.1f} ", xs.at(static_cast<double>(p->size)), ys.at(std::max(p->mb_per_s, 0.01)));
      out += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-opacity=\"0.6\"/>\n", path, c);
      for (auto* p : points)
        out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"><title>{} {}: {:.1f} MB/s</title></circle>\n",
                           xs.at(static_cast<double>(p->size)), ys.at(std::max(p->mb_per_s, 0.01)), c, name,
                           format_size(p->size), p->mb_per_s);
      const auto* last = points.back();
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"9\" fill=\"{}\">{}</text>\n",
                         xs.at(static_cast<double>(last->size)) + 5, ys.at(std::max(last->mb_per_s, 0.01)) + 3, c, name);
    }
  }
  out += "</svg>\n";
  return out;
}

} // namespace ipcctl::bench
