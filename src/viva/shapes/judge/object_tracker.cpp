#include "viva/shapes/judge/object_tracker.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace viva::shapes {
namespace {

struct Track {
  std::vector<int> sighting;  // per frame: index into that frame's sightings, -1 when unseen
  double x = 0, y = 0, vx = 0, vy = 0;
  int last_frame = 0;
  Colour colour = Colour::Red;
  ShapeKind shape = ShapeKind::Circle;
};

template <class T>
T majority(const std::vector<T>& values) {
  std::map<T, int> votes;
  for (const T& v : values) ++votes[v];
  return std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

}  // namespace

std::vector<ParsedObject> track_objects(const std::vector<std::vector<ObjectSighting>>& sightings, int width,
                                        int height, double min_track_share) {
  const int frames = static_cast<int>(sightings.size());
  const double reach = 0.35 * std::min(width, height);
  std::vector<Track> tracks;
  for (int t = 0; t < frames; ++t) {
    const auto& seen = sightings[static_cast<std::size_t>(t)];
    // Every (track, sighting) cost, matched cheapest first.
    std::vector<std::tuple<double, std::size_t, std::size_t>> costs;
    for (std::size_t k = 0; k < tracks.size(); ++k) {
      const Track& tr = tracks[k];
      const double gap = t - tr.last_frame;
      const double px = tr.x + tr.vx * gap, py = tr.y + tr.vy * gap;
      for (std::size_t s = 0; s < seen.size(); ++s) {
        const double d = std::hypot(seen[s].x - px, seen[s].y - py);
        if (d > reach) continue;
        costs.emplace_back(d + (seen[s].colour != tr.colour ? 30.0 : 0.0) + (seen[s].shape != tr.shape ? 15.0 : 0.0), k,
                           s);
      }
    }
    std::sort(costs.begin(), costs.end());
    std::vector<uint8_t> track_used(tracks.size(), 0), sighting_used(seen.size(), 0);
    auto assign = [&](Track& tr, std::size_t s) {
      const ObjectSighting& o = seen[s];
      if (tr.last_frame < t && tr.sighting[static_cast<std::size_t>(tr.last_frame)] >= 0) {
        const double gap = t - tr.last_frame;
        tr.vx = (o.x - tr.x) / gap;
        tr.vy = (o.y - tr.y) / gap;
      }
      tr.x = o.x;
      tr.y = o.y;
      tr.last_frame = t;
      tr.sighting[static_cast<std::size_t>(t)] = static_cast<int>(s);
    };
    for (const auto& [cost, k, s] : costs) {
      if (track_used[k] || sighting_used[s]) continue;
      track_used[k] = sighting_used[s] = 1;
      assign(tracks[k], s);
    }
    for (std::size_t s = 0; s < seen.size(); ++s) {
      if (sighting_used[s]) continue;
      Track tr;
      tr.sighting.assign(static_cast<std::size_t>(frames), -1);
      tr.colour = seen[s].colour;
      tr.shape = seen[s].shape;
      tr.last_frame = t;
      assign(tr, s);
      tracks.push_back(tr);
    }
  }

  std::vector<ParsedObject> objects;
  for (const Track& tr : tracks) {
    ParsedObject o;
    o.seen.assign(static_cast<std::size_t>(frames), 0);
    o.x.assign(static_cast<std::size_t>(frames), 0.0);
    o.y = o.x;
    o.angle = o.x;
    std::vector<Colour> colours;
    std::vector<ShapeKind> shapes;
    std::vector<Texture> textures;
    std::vector<double> sizes;
    for (int t = 0; t < frames; ++t) {
      const int s = tr.sighting[static_cast<std::size_t>(t)];
      if (s < 0) continue;
      const ObjectSighting& sight = sightings[static_cast<std::size_t>(t)][static_cast<std::size_t>(s)];
      o.seen[static_cast<std::size_t>(t)] = 1;
      o.x[static_cast<std::size_t>(t)] = sight.x;
      o.y[static_cast<std::size_t>(t)] = sight.y;
      o.angle[static_cast<std::size_t>(t)] = sight.angle;
      colours.push_back(sight.colour);
      shapes.push_back(sight.shape);
      textures.push_back(sight.texture);
      sizes.push_back(sight.size);
    }
    o.sightings = static_cast<int>(sizes.size());
    if (o.sightings < std::max(1.0, min_track_share * frames)) continue;
    o.colour = majority(colours);
    o.shape = majority(shapes);
    o.texture = majority(textures);
    std::nth_element(sizes.begin(), sizes.begin() + static_cast<std::ptrdiff_t>(sizes.size() / 2), sizes.end());
    o.size = sizes[sizes.size() / 2];
    o.size_class = size_class_of(o.size, width, height);
    objects.push_back(std::move(o));
  }
  return objects;
}

}  // namespace viva::shapes
