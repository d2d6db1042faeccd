#include "engine/graph.h"

#include <algorithm>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/property_map/property_map.hpp>

namespace bantrack {
namespace {

// Records each discovered vertex with the tree edge that reached it.
class ReachVisitor : public boost::default_bfs_visitor {
 public:
  ReachVisitor(std::vector<Digraph::Reached>& out, std::vector<uint32_t>& touched) : out_(out), touched_(touched) {}

  template <typename Edge, typename Graph>
  void tree_edge(Edge edge, const Graph& graph) const {
    out_.push_back({static_cast<uint32_t>(boost::target(edge, graph)), static_cast<uint32_t>(boost::source(edge, graph))});
  }
  template <typename Vertex, typename Graph>
  void discover_vertex(Vertex vertex, const Graph&) const {
    touched_.push_back(static_cast<uint32_t>(vertex));
  }

 private:
  std::vector<Digraph::Reached>& out_;
  std::vector<uint32_t>& touched_;
};

}  // namespace

Digraph::Digraph(size_t vertex_count) : graph_(vertex_count), colors_(vertex_count, boost::white_color) {}

void Digraph::AddEdge(uint32_t from, uint32_t to) { boost::add_edge(from, to, graph_); }

std::vector<std::vector<uint32_t>> Digraph::Cycles() const {
  const size_t n = vertex_count();
  std::vector<int> component(n);
  const int component_count = boost::strong_components(
      graph_, boost::make_iterator_property_map(component.begin(), boost::get(boost::vertex_index, graph_)));

  std::vector<uint32_t> size(component_count, 0);
  for (size_t v = 0; v < n; ++v) ++size[component[v]];

  std::vector<std::vector<uint32_t>> cycles;
  std::vector<bool> reported(component_count, false);
  for (uint32_t start = 0; start < n; ++start) {
    const int c = component[start];
    if (reported[c]) continue;
    bool self_loop = false;
    for (auto [e, end] = boost::out_edges(start, graph_); e != end; ++e) self_loop |= boost::target(*e, graph_) == start;
    if (size[c] < 2 && !self_loop) continue;
    reported[c] = true;
    if (self_loop) {
      cycles.push_back({start});
      continue;
    }
    // Shortest path inside the component from `start` to a vertex with an edge back to `start`.
    std::vector<int64_t> previous(n, -1);
    std::vector<uint32_t> queue = {start};
    previous[start] = start;
    uint32_t last = start;
    for (size_t head = 0; head < queue.size() && last == start; ++head) {
      const uint32_t u = queue[head];
      for (auto [e, end] = boost::out_edges(u, graph_); e != end; ++e) {
        const uint32_t w = static_cast<uint32_t>(boost::target(*e, graph_));
        if (w == start && u != start) {
          last = u;
          break;
        }
        if (component[w] == c && previous[w] < 0) {
          previous[w] = u;
          queue.push_back(w);
        }
      }
    }
    std::vector<uint32_t> cycle;
    for (uint32_t v = last; v != start; v = static_cast<uint32_t>(previous[v])) cycle.push_back(v);
    cycle.push_back(start);
    std::reverse(cycle.begin(), cycle.end());
    cycles.push_back(std::move(cycle));
  }
  return cycles;
}

void Digraph::Reach(uint32_t start, std::vector<Reached>& out) const {
  std::vector<uint32_t> touched;
  out.push_back({start, start});
  ReachVisitor visitor(out, touched);
  boost::queue<Graph::vertex_descriptor> queue;
  auto color_map = boost::make_iterator_property_map(colors_.begin(), boost::get(boost::vertex_index, graph_));
  boost::breadth_first_visit(graph_, start, queue, visitor, color_map);
  for (uint32_t v : touched) colors_[v] = boost::white_color;
}

std::vector<std::vector<uint32_t>> FindCycles(const std::vector<std::vector<uint32_t>>& adjacency) {
  Digraph graph(adjacency.size());
  for (uint32_t v = 0; v < adjacency.size(); ++v) {
    for (uint32_t w : adjacency[v]) graph.AddEdge(v, w);
  }
  return graph.Cycles();
}

}  // namespace bantrack
