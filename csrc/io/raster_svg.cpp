#include "braintorch/io/raster_svg.h"

#include <c10/util/Exception.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace braintorch {
namespace {

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `target` ticks over `range`.
double tick_step(double range, int target) {
  const double raw = range / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", std::round(v * 1000) / 1000);
  return buf;
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

}  // namespace

void write_raster_svg(const std::string& path, const std::vector<RasterSeries>& series, const RasterOptions& o) {
  TORCH_CHECK(o.duration_ms > 0 && o.neurons > 0, "raster: duration and neuron count must be > 0");
  const double width = 960, height = 540, left = 70, right = 130, top = 40, bottom = 55;
  const double pw = width - left - right, ph = height - top - bottom;
  static const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  int64_t total = 0;
  for (const auto& s : series) total += s.times_ms.numel();
  const int64_t stride = total > o.max_points ? (total + o.max_points - 1) / o.max_points : 1;

  std::ostringstream svg;
  svg.setf(std::ios::fixed);
  svg.precision(1);
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << " " << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg << "<text x=\"" << left + pw / 2 << "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">" << escape(o.title)
      << "</text>\n";
  // Spikes: tiny rectangles, one <path> per series to keep the file small.
  for (size_t k = 0; k < series.size(); ++k) {
    const at::Tensor t = series[k].times_ms.to(at::kDouble).contiguous().cpu();
    const at::Tensor n = series[k].neurons.to(at::kLong).contiguous().cpu();
    const double* tp = t.data_ptr<double>();
    const int64_t* np = n.data_ptr<int64_t>();
    svg << "<path fill=\"" << colours[k % 6] << "\" d=\"";
    for (int64_t i = 0; i < t.numel(); i += stride) {
      const double x = left + tp[i] / o.duration_ms * pw;
      const double y = top + ph - (double(np[i]) + 0.5) / double(o.neurons) * ph;
      svg << "M" << x << " " << y << "h1v1h-1z";
    }
    svg << "\"/>\n";
  }
  // Axes, ticks and labels.
  svg << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
      << "\" fill=\"none\" stroke=\"black\"/>\n";
  const double xs = tick_step(o.duration_ms, 10);
  for (double v = 0; v <= o.duration_ms + 1e-9; v += xs) {
    const double x = left + v / o.duration_ms * pw;
    svg << "<line x1=\"" << x << "\" y1=\"" << top + ph << "\" x2=\"" << x << "\" y2=\"" << top + ph + 5
        << "\" stroke=\"black\"/><text x=\"" << x << "\" y=\"" << top + ph + 18 << "\" text-anchor=\"middle\">"
        << tick_label(v) << "</text>\n";
  }
  const double ys = tick_step(double(o.neurons), 8);
  for (double v = 0; v <= double(o.neurons) + 1e-9; v += ys) {
    const double y = top + ph - v / double(o.neurons) * ph;
    svg << "<line x1=\"" << left - 5 << "\" y1=\"" << y << "\" x2=\"" << left << "\" y2=\"" << y
        << "\" stroke=\"black\"/><text x=\"" << left - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">"
        << int64_t(v) << "</text>\n";
  }
  svg << "<text x=\"" << left + pw / 2 << "\" y=\"" << height - 12 << "\" text-anchor=\"middle\">time (ms)</text>\n";
  svg << "<text transform=\"translate(18 " << top + ph / 2 << ") rotate(-90)\" text-anchor=\"middle\">neuron index</text>\n";
  for (size_t k = 0; k < series.size(); ++k) {
    const double y = top + 10 + 20 * double(k);
    svg << "<rect x=\"" << left + pw + 15 << "\" y=\"" << y - 8 << "\" width=\"10\" height=\"10\" fill=\""
        << colours[k % 6] << "\"/><text x=\"" << left + pw + 30 << "\" y=\"" << y + 1 << "\">" << escape(series[k].label)
        << " (" << series[k].times_ms.numel() << ")</text>\n";
  }
  if (stride > 1)
    svg << "<text x=\"" << left + pw + 15 << "\" y=\"" << top + 20 * double(series.size()) + 20
        << "\" font-size=\"10\">every " << stride << "th spike drawn</text>\n";
  svg << "</svg>\n";
  std::ofstream f(path);
  TORCH_CHECK(f, "cannot open '", path, "' for writing");
  f << svg.str();
  TORCH_CHECK(f, "cannot write '", path, "'");
}

}  // namespace braintorch
