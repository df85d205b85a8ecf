#pragma once
// Links per-frame sightings into objects: each frame's sightings are matched to the tracks so far
// by predicted position, with penalties for a different colour or shape (objects are tracked by
// colour and shape, then position), and each track's attributes are decided by majority.
#include <vector>

#include "viva/shapes/judge/scene_parser.h"

namespace viva::shapes {

std::vector<ParsedObject> track_objects(const std::vector<std::vector<ObjectSighting>>& sightings, int width,
                                        int height, double min_track_share);

}  // namespace viva::shapes
