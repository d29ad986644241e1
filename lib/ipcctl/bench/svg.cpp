// A chart that reads the same in a browser and on paper: plain SVG, no
// script, no external font or style. Latency spans three decades between a
// spin loop and a cross-core wake-up, so its axis is logarithmic; so is
// throughput's, against message size. Every axis says its unit at each tick
// (100ns, 10 GB/s, 64K); the names at the ends of the throughput lines sit
// in a margin of their own, moved apart where lines end close together;
// the picture is as tall as what is drawn.
#include <ipcctl/bench/report.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace ipcctl::bench {

namespace {

constexpr int k_width = 900, k_left = 230, k_right = 30, k_row = 18;
constexpr int k_legend = 170;     // the throughput chart's margin for line names
constexpr double k_label_gap = 11;  // between the baselines of two names (9 px text)

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

// A tick's label: a power of ten of nanoseconds ("100ns", "1us", "10ms").
std::string ns_tick(int e) {
  static constexpr const char* k_units[] = {"ns", "us", "ms", "s"};
  if (e < 0) return fmt::format("{:g}ns", std::pow(10.0, e));
  const int unit = std::min(e / 3, 3);
  return fmt::format("{:g}{}", std::pow(10.0, e - 3 * unit), k_units[unit]);
}

// A power of ten of MB/s, in the unit that keeps the number small ("10 MB/s", "1 GB/s").
std::string mbps_tick(int e) {
  if (e < 0) return fmt::format("{:g} MB/s", std::pow(10.0, e));
  if (e < 3) return fmt::format("{:g} MB/s", std::pow(10.0, e));
  if (e < 6) return fmt::format("{:g} GB/s", std::pow(10.0, e - 3));
  return fmt::format("{:g} TB/s", std::pow(10.0, e - 6));
}

} // namespace

// Baselines for labels that want to sit at `want` (sorted or not), at least
// `gap` apart and within [top, bottom]: each is moved as little as the
// others allow. The result is in the order of `want`.
std::vector<double> spread_labels(const std::vector<double>& want, double gap, double top, double bottom) {
  std::vector<std::size_t> order(want.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return want[a] < want[b]; });
  std::vector<double> y(want.size());
  double next = top;
  for (std::size_t i : order) {
    y[i] = std::max(want[i], next);
    next = y[i] + gap;
  }
  // Pushed past the bottom: back up from there, keeping the gaps.
  double limit = bottom;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    y[*it] = std::min(y[*it], limit);
    limit = y[*it] - gap;
  }
  return y;
}

std::string render_svg(const Report& rep) {
  std::vector<const RunResult*> lat, thr;
  for (const auto& row : rep.rows) {
    if (row.status() != Status::ok) continue;
    (row.runs.front().spec.test == Test::latency ? lat : thr).push_back(&row.median());
  }
  std::sort(lat.begin(), lat.end(), [](auto* a, auto* b) { return a->round_trip.percentile(50) < b->round_trip.percentile(50); });

  // The body first: the height is known once it is drawn.
  std::string out;
  out += fmt::format("<text x=\"10\" y=\"18\" font-size=\"13\" font-weight=\"bold\">ipcbench: {}, {} CPUs, kernel {}{}</text>\n",
                     escape(rep.machine.cpu_model), rep.machine.cpus, escape(rep.machine.kernel),
                     rep.machine.noise.empty() ? "" : " (noisy run)");
  int y = 40;
  auto tick = [&](double x, int top, int bottom, const std::string& label) {
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#dddddd\"/>\n", x, top, bottom);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555555\">{}</text>\n", x, bottom + 12, label);
  };

  if (!lat.empty()) {
    double lo = 1e300, hi = 0;
    for (auto* r : lat) {
      lo = std::min(lo, static_cast<double>(std::max<std::uint64_t>(r->round_trip.min(), 1)));
      hi = std::max(hi, static_cast<double>(r->round_trip.percentile(99.9)));
    }
    const double lo_e = std::floor(std::log10(lo)), hi_e = std::max(std::ceil(std::log10(hi)), lo_e + 1);
    const LogAxis ax{lo_e, hi_e, k_left, k_width - k_right};
    out += fmt::format("<text x=\"10\" y=\"{}\" font-size=\"12\" font-weight=\"bold\">Round-trip latency (log scale): "
                       "dot p50, bar p50-p99, line min-p99.9; blue cross-core, orange same-core</text>\n", y);
    const int top = y + 10, bottom = top + k_row * static_cast<int>(lat.size());
    for (int e = static_cast<int>(ax.lo); e <= static_cast<int>(ax.hi); ++e) tick(ax.at(std::pow(10.0, e)), top, bottom, ns_tick(e));
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
    y = bottom + 12 + 30;  // below the tick labels
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
    // Sizes are powers of two: the axis runs a quarter-decade past the
    // extremes, its ticks at powers of four, named as sizes are ("4K").
    const LogAxis xs{std::log10(smin) - 0.25, std::log10(smax) + 0.25, k_left, k_width - k_right - k_legend};
    const double lo_e = std::floor(std::log10(tmin)), hi_e = std::max(std::ceil(std::log10(tmax)), lo_e + 1);
    const LogAxis ys{lo_e, hi_e, static_cast<double>(bottom), static_cast<double>(top)};
    out += fmt::format("<text x=\"10\" y=\"{}\" font-size=\"12\" font-weight=\"bold\">Throughput, MB/s at the receiver "
                       "(log scale), against message size in bytes</text>\n", y);
    for (int e = static_cast<int>(ys.lo); e <= static_cast<int>(ys.hi); ++e) {
      const double py = ys.at(std::pow(10.0, e));
      out += fmt::format("<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{:.0f}\" y2=\"{:.1f}\" stroke=\"#dddddd\"/>\n", k_left, py, xs.x1, py);
      out += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\" fill=\"#555555\">{}</text>\n", k_left - 4, py + 4,
                         mbps_tick(e));
    }
    for (std::size_t size = 4; size <= (std::size_t{1} << 30); size *= 4) {
      const double x = xs.at(static_cast<double>(size));
      if (x >= xs.x0 - 0.5 && x <= xs.x1 + 0.5) tick(x, top, bottom, format_size(size));
    }
    std::vector<std::string> names;
    std::vector<double> ends;
    std::vector<const char*> colours;
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
      names.push_back(name);
      ends.push_back(ys.at(std::max(points.back()->mb_per_s, 0.01)));
      colours.push_back(c);
    }
    // Each line's name in the margin, level with its last point where the
    // others leave room, joined to it by a thin line.
    const std::vector<double> at = spread_labels(ends, k_label_gap, top, bottom);
    const double lx = xs.x1 + 12;
    for (std::size_t i = 0; i < names.size(); ++i) {
      out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-opacity=\"0.4\"/>\n",
                         xs.x1 + 2, ends[i], lx - 2, at[i], colours[i]);
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"9\" fill=\"{}\">{}</text>\n", lx, at[i] + 3,
                         colours[i], names[i]);
    }
    y = bottom + 12 + 30;
  }
  const int height = y - 20;  // the last section's 30 px below it, less 10
  return fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                     "font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
                     k_width, height) +
         out + "</svg>\n";
}

} // namespace ipcctl::bench
