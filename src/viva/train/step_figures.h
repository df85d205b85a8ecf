#pragma once
// The figures of one optimizer step, gathered over its micro-batches for its "step" line:
//
//   figures.mean("loss", loss.item<double>());          // averaged over the micro-batches
//   figures.ratio("token_accuracy", correct, tokens);   // Σ correct / Σ tokens
//   figures.count("video_batches", is_video);           // summed
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace viva {

class StepFigures {
 public:
  // Averaged over the values given in the step. NaN values are not counted; a figure given
  // only NaN is left out of the line.
  void mean(const std::string& name, double value);
  void sum(const std::string& name, double value);
  void count(const std::string& name, int64_t value);
  // Σ numerators / Σ denominators over the step; left out while the denominators sum to 0.
  void ratio(const std::string& name, double numerator, double denominator);
  // A value written as given (the last one given wins).
  void set(const std::string& name, nlohmann::json value);

  // Adds up every figure's parts over the ranks of a run with `sum` (GradientReducer::sum), so
  // a mean becomes the mean over every rank's micro-batches; set() values stay this rank's.
  // Every rank must have given the same figures.
  void combine(const std::function<void(std::vector<double>&)>& sum);

  // The figures as JSON fields, each reduced as it was given.
  nlohmann::json fields() const;
  // One figure's value; throws when the step has none.
  double value(const std::string& name) const;

 private:
  enum class Kind { Mean, Sum, Count, Ratio, Set };
  struct Figure {
    Kind kind = Kind::Set;
    double total = 0, weight = 0;  // Mean: Σ values, number of values; Ratio: Σ numerators, Σ denominators
    int64_t whole = 0;             // Count
    nlohmann::json given;          // Set
  };
  Figure& figure(const std::string& name, Kind kind);
  static nlohmann::json reduced(const Figure& f);

  std::map<std::string, Figure> figures_;
};

}  // namespace viva
