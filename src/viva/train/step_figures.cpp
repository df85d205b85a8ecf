#include "viva/train/step_figures.h"

#include <cmath>

#include "viva/core/error.h"

namespace viva {

StepFigures::Figure& StepFigures::figure(const std::string& name, Kind kind) {
  Figure fresh;
  fresh.kind = kind;
  auto [it, added] = figures_.try_emplace(name, fresh);
  if (!added && it->second.kind != kind) throw Error("step figures", "'" + name + "' is given two ways in one step");
  return it->second;
}

void StepFigures::mean(const std::string& name, double value) {
  Figure& f = figure(name, Kind::Mean);
  if (std::isnan(value)) return;
  f.total += value;
  f.weight += 1;
}

void StepFigures::sum(const std::string& name, double value) { figure(name, Kind::Sum).total += value; }

void StepFigures::count(const std::string& name, int64_t value) { figure(name, Kind::Count).whole += value; }

void StepFigures::ratio(const std::string& name, double numerator, double denominator) {
  Figure& f = figure(name, Kind::Ratio);
  f.total += numerator;
  f.weight += denominator;
}

void StepFigures::set(const std::string& name, nlohmann::json value) { figure(name, Kind::Set).given = std::move(value); }

nlohmann::json StepFigures::reduced(const Figure& f) {
  switch (f.kind) {
    case Kind::Mean:
    case Kind::Ratio:
      return f.weight != 0 ? nlohmann::json(f.total / f.weight) : nlohmann::json();
    case Kind::Sum:
      return f.total;
    case Kind::Count:
      return f.whole;
    case Kind::Set:
      return f.given;
  }
  return {};
}

nlohmann::json StepFigures::fields() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, f] : figures_) {
    nlohmann::json v = reduced(f);
    if (!v.is_null()) out[name] = std::move(v);
  }
  return out;
}

double StepFigures::value(const std::string& name) const {
  const auto it = figures_.find(name);
  const nlohmann::json v = it == figures_.end() ? nlohmann::json() : reduced(it->second);
  if (!v.is_number()) throw Error("step figures", "this step has no figure '" + name + "'");
  return v.get<double>();
}


void StepFigures::combine(const std::function<void(std::vector<double>&)>& sum) {
  std::vector<double> parts;
  for (const auto& [name, f] : figures_) {
    parts.push_back(f.total);
    parts.push_back(f.weight);
    parts.push_back(static_cast<double>(f.whole));
  }
  sum(parts);
  std::size_t i = 0;
  for (auto& [name, f] : figures_) {
    f.total = parts[i++];
    f.weight = parts[i++];
    f.whole = static_cast<int64_t>(parts[i++]);
  }
}

}  // namespace viva
