#pragma once
// A line chart as an image (the loss curve a training run leaves behind): the series on a
// log10 axis when every value is positive, a caption strip above with the title and range.
#include <string>
#include <vector>

#include "viva/io/image.h"

namespace viva {

Image plot_series(const std::vector<double>& values, const std::string& title, int width = 640, int height = 360);

}  // namespace viva
