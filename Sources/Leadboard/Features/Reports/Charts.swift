import Foundation
import Mustache

/// A horizontal bar chart drawn as inline SVG by `Templates/partials/bar-chart.mustache`.
/// All geometry is computed here; labels go through the template's escaping like any text.
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
    let width = 640
    let rowHeight = 30
    let labelWidth = 160
    let valueWidth = 120

    var height: Int { max(1, bars.count) * rowHeight + 10 }

    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        case "summary": summary
        case "width": width
        case "height": height
        case "isEmpty": bars.isEmpty
        case "bars": barViews
        default: nil
        }
    }

    var barViews: [[String: String]] {
        let maximum = bars.map(\.value).max() ?? 0
        let span = Double(width - labelWidth - valueWidth - 10)
        return bars.enumerated().map { index, bar in
            let y = 5 + index * rowHeight
            let barWidth = maximum > 0 ? max(bar.value > 0 ? 2 : 0, bar.value / maximum * span) : 0
            return [
                "label": bar.label, "valueLabel": bar.valueLabel, "cssClass": bar.cssClass,
                "labelX": String(labelWidth - 8), "barX": String(labelWidth), "y": String(y + 4),
                "barWidth": String(format: "%.1f", barWidth), "barHeight": String(rowHeight - 10),
                "textY": String(y + rowHeight / 2 + 4), "valueX": String(format: "%.1f", Double(labelWidth) + barWidth + 6),
            ]
        }
    }
}

/// A column chart (one column per period) for time series.
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
    let width = 640
    let height = 220
    let bottom = 30
    let top = 18

    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        case "summary": summary
        case "width": width
        case "height": height
        case "isEmpty": columns.isEmpty
        case "baseline": height - bottom
        case "columns": columnViews
        default: nil
        }
    }

    var columnViews: [[String: String]] {
        let maximum = columns.map(\.value).max() ?? 0
        let slot = Double(width - 20) / Double(max(columns.count, 1))
        let labelEvery = max(1, Int((Double(columns.count) / 8).rounded(.up)))
        let plot = Double(height - bottom - top)
        return columns.enumerated().map { index, column in
            let h = maximum > 0 ? column.value / maximum * plot : 0
            let x = 10 + Double(index) * slot
            var view: [String: String] = [
                "x": String(format: "%.1f", x + slot * 0.15), "width": String(format: "%.1f", slot * 0.7),
                "y": String(format: "%.1f", Double(height - bottom) - h), "height": String(format: "%.1f", h),
                "tooltip": "\(column.label): \(column.valueLabel)", "labelX": String(format: "%.1f", x + slot / 2),
                "labelY": String(height - bottom + 16), "valueY": String(format: "%.1f", Double(height - bottom) - h - 4),
            ]
            if index % labelEvery == 0 { view["label"] = column.label }
            if columns.count <= 16 { view["valueLabel"] = column.valueLabel }
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
