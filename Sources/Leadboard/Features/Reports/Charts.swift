import Foundation
import Mustache

/// A horizontal bar chart drawn as inline SVG by `Templates/partials/bar-chart.mustache`.
/// All geometry is computed here; labels go through the template's escaping like any text.
///
/// Horizontal positions are percentages of the chart's width and there is no `viewBox`, so the
/// bars stretch with the page while text keeps its CSS pixel size (a 640-unit drawing squeezed into
/// a 390 px phone shrank 12 px labels to 6 px). Each row puts its label and value on one line,
/// with the bar below it across the full width.
struct BarChart: MustacheParent, Sendable {
    struct Bar: Sendable {
        var label: String
        var value: Double
        var valueLabel: String
        var cssClass: String = ""
    }

    let id: String
    let title: String
    let summary: String
    let bars: [Bar]
    let rowHeight = 40
    /// Longer labels are cut with "…" so that label and value share a 360 px phone's line;
    /// the table under the chart and the SVG's description hold the full text.
    static let maximumLabelLength = 26

    var height: Int { max(1, bars.count) * rowHeight + 4 }

    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        case "summary": summary
        case "height": height
        case "isEmpty": bars.isEmpty
        case "bars": barViews
        default: nil
        }
    }

    static func shortLabel(_ label: String) -> String {
        label.count <= maximumLabelLength ? label : label.prefix(maximumLabelLength - 1).trimmingCharacters(in: .whitespaces) + "…"
    }

    var barViews: [[String: String]] {
        let maximum = bars.map(\.value).max() ?? 0
        return bars.enumerated().map { index, bar in
            let y = index * rowHeight
            let percent = maximum > 0 ? max(bar.value > 0 ? 0.5 : 0, bar.value / maximum * 100) : 0
            return [
                "label": Self.shortLabel(bar.label), "valueLabel": bar.valueLabel, "cssClass": bar.cssClass,
                "textY": String(y + 15), "y": String(y + 21), "barHeight": "13",
                "barWidth": String(format: "%.2f%%", percent),
            ]
        }
    }
}

/// A column chart (one column per period) for time series, in percentages of its width like
/// `BarChart`. Every `labelEvery`-th column is labelled; on a narrow screen only every
/// `narrowLabelEvery`-th (the others carry the class `minor`, which the stylesheet hides there),
/// and values above the columns only when there are at most eight.
struct ColumnChart: MustacheParent, Sendable {
    struct Column: Sendable {
        var label: String
        var value: Double
        var valueLabel: String
    }

    let id: String
    let title: String
    let summary: String
    let columns: [Column]
    let height = 220
    let bottom = 30
    let top = 18

    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        case "summary": summary
        case "height": height
        case "isEmpty": columns.isEmpty
        case "baseline": height - bottom
        case "columns": columnViews
        default: nil
        }
    }

    /// At most eight labels on a wide chart.
    var labelEvery: Int { max(1, Int((Double(columns.count) / 8).rounded(.up))) }
    /// At most three on a narrow one ("30 Sep 2026" is about 80 px wide), a subset of the wide ones.
    var narrowLabelEvery: Int { labelEvery * max(1, Int((Double(columns.count) / Double(3 * labelEvery)).rounded(.up))) }

    var columnViews: [[String: String]] {
        let maximum = columns.map(\.value).max() ?? 0
        let slot = 100 / Double(max(columns.count, 1))
        let plot = Double(height - bottom - top)
        let percent = { (value: Double) in String(format: "%.2f%%", value) }
        return columns.enumerated().map { index, column in
            let h = maximum > 0 ? column.value / maximum * plot : 0
            let x = Double(index) * slot
            var view: [String: String] = [
                "x": percent(x + slot * 0.15), "width": percent(slot * 0.7),
                "y": String(format: "%.1f", Double(height - bottom) - h), "height": String(format: "%.1f", h),
                "tooltip": "\(column.label): \(column.valueLabel)", "labelX": percent(x + slot / 2),
                "labelY": String(height - bottom + 18), "valueY": String(format: "%.1f", Double(height - bottom) - h - 4),
            ]
            if index % labelEvery == 0 {
                view["label"] = column.label
                view["labelClass"] = index % narrowLabelEvery == 0 ? "" : "minor"
            }
            if columns.count <= 16 {
                view["valueLabel"] = column.valueLabel
                view["valueClass"] = columns.count <= 8 ? "" : "minor"
            }
            return view
        }
    }
}

enum Percent {
    static func format(_ numerator: Int, _ denominator: Int) -> String {
        denominator == 0 ? "—" : String(format: "%.1f%%", Double(numerator) / Double(denominator) * 100)
    }
}

enum ElapsedTime {
    /// "3.5 days", "5.0 h", "12 min".
    static func format(_ seconds: Double?) -> String {
        guard let seconds else { return "—" }
        if seconds >= 86400 { return String(format: "%.1f days", seconds / 86400) }
        if seconds >= 3600 { return String(format: "%.1f h", seconds / 3600) }
        return String(format: "%.0f min", seconds / 60)
    }
}
