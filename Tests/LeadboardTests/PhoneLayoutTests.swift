import Foundation
import Testing

@testable import Leadboard

/// Issue 10's phone layout and one date style: `tel:` links built in Swift, report dates written like
/// every other page's, and charts whose text keeps its size at any width.
@Suite struct PhoneLayoutTests {
    // MARK: tel: links

    @Test func telLinkKeepsTheDigitsAndALeadingPlus() {
        #expect(TelephoneLink.href("+1 (555) 010-2000") == "tel:+15550102000")
        #expect(TelephoneLink.href("  +44 20 7946 0958") == "tel:+442079460958")
        #expect(TelephoneLink.href("0171 555.0100") == "tel:01715550100")
        #expect(TelephoneLink.href("555-0100") == "tel:5550100")
    }

    @Test func telLinkIgnoresAPlusThatIsNotLeadingAndEverythingButAsciiDigits() {
        #expect(TelephoneLink.href("00 44 + 20") == "tel:004420")
        #expect(TelephoneLink.href("(030) 901820 ext. 7") == "tel:0309018207")
        #expect(TelephoneLink.href("١٢٣ 45") == "tel:45")  // Arabic-Indic digits are not dialled
        #expect(TelephoneLink.href("tel:+1 555\"><script>") == "tel:1555")  // the + is not the first character
    }

    @Test func noTelLinkWithoutADigit() {
        #expect(TelephoneLink.href("") == nil)
        #expect(TelephoneLink.href("   ") == nil)
        #expect(TelephoneLink.href("+") == nil)
        #expect(TelephoneLink.href("ask at reception") == nil)
    }

    @Test func leadPageLinksThePhoneAndShowsItAsTyped() async throws {
        let app = try await TestApp.make()
        let sam = try await app.createUser("sam@example.com", role: .executive, name: "Sam")
        let typed = try await app.createLead("Typed Phone", owner: sam, phone: "+1 (555) 010-2000")
        let words = try await app.createLead("Words Only", owner: sam, phone: "ask at reception")
        let none = try await app.createLead("No Phone", owner: sam)
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("sam@example.com").status == .seeOther)

            let page = try await browser.get("/leads/\(typed.uid)")
            #expect(page.status == .ok)
            #expect(page.contains("<dt>Phone</dt><dd><a href=\"tel:+15550102000\">+1 (555) 010-2000</a></dd>"))
            #expect(page.contains("<a class=\"button phone-only\" href=\"tel:+15550102000\">Call</a>"))

            let wordsPage = try await browser.get("/leads/\(words.uid)")
            #expect(wordsPage.contains("<dt>Phone</dt><dd>ask at reception</dd>"))
            #expect(!wordsPage.contains("tel:"))

            let nonePage = try await browser.get("/leads/\(none.uid)")
            #expect(nonePage.contains("<dt>Phone</dt><dd>—</dd>"))
            #expect(!nonePage.contains("tel:"))
        }
    }

    // MARK: report dates

    @Test func dayIsFormattedLikeOtherDatesInUTC() {
        #expect(Format.day("2026-09-04") == "4 Sep 2026")
        #expect(Format.day("2026-12-31") == "31 Dec 2026")
        #expect(Format.day("2026-09-04") == Format.date(utc("2026-09-04 23:59:59")))
        #expect(Format.day("not a day") == "not a day")
        #expect(Format.day("2026-02-30") == "2026-02-30")
    }

    @Test func reportsWriteDatesLikeOtherPagesButKeepIsoInInputsAndCSV() async throws {
        let clock = TestClock(utc("2026-09-21 14:00"))
        let app = try await TestApp.make(clock: clock)
        let mia = try await app.createUser("mia@example.com", role: .manager, name: "Mia")
        clock.set(utc("2026-09-08 10:00"))
        try await app.createLead("Week Two", owner: mia, source: SourceID.website, valueCents: 100)
        clock.set(utc("2026-09-21 14:00"))
        try await app.run { client in
            let browser = Browser(client)
            #expect(try await browser.login("mia@example.com").status == .seeOther)
            let page = try await browser.get("/reports?from=2026-09-04&to=2026-09-21")
            #expect(page.status == .ok)
            #expect(page.inputValue("from") == "2026-09-04")
            #expect(page.inputValue("to") == "2026-09-21")
            #expect(page.contains("1 leads created from 4 Sep 2026 to 21 Sep 2026."))
            #expect(page.contains("Funnel: leads created 4 Sep 2026 to 21 Sep 2026 that reached each stage"))
            #expect(page.contains("<tr><td>31 Aug 2026</td><td class=\"num\">0</td></tr>"))
            #expect(page.contains("<tr><td>7 Sep 2026</td><td class=\"num\">1</td></tr>"))
            // No ISO day is printed as text: only in input values and link query strings.
            let text = page.body.replacingOccurrences(of: #"(value|href)="[^"]*""#, with: "", options: .regularExpression)
            #expect(text.range(of: #"\b\d{4}-\d{2}-\d{2}\b"#, options: .regularExpression) == nil)

            let csv = try await browser.csv("/reports.csv?report=weekly&from=2026-09-04&to=2026-09-21")
            #expect(csv.text.contains("2026-09-07,1"))
            #expect(!csv.text.contains("Sep"))
        }
    }

    // MARK: charts

    @Test func chartsHaveNoViewBoxSoTextKeepsItsSizeAndBarsArePercentages() {
        let bars = BarChart(id: "b", title: "t", summary: "s", bars: [
            .init(label: "Short", value: 10, valueLabel: "10"),
            .init(label: "A label much longer than any phone line can hold", value: 5, valueLabel: "5"),
            .init(label: "Zero", value: 0, valueLabel: "0"),
        ])
        let views = bars.barViews
        #expect(views.map { $0["barWidth"] } == ["100.00%", "50.00%", "0.00%"])
        #expect(views[1]["label"]!.count <= BarChart.maximumLabelLength)
        #expect(views[1]["label"]!.hasSuffix("…"))
        #expect(views[0]["label"] == "Short")
        #expect(bars.child(named: "width") == nil)  // no fixed drawing width to scale down
    }

    @Test func columnChartLabelsANarrowSubsetOnPhones() {
        for count in [1, 3, 4, 5, 8, 13, 14, 26, 53] {
            let chart = ColumnChart(id: "c", title: "t", summary: "s", columns: (0..<count).map {
                .init(label: "\($0 + 1) Sep 2026", value: Double($0), valueLabel: "\($0)")
            })
            let views = chart.columnViews
            let labelled = views.filter { $0["label"] != nil }
            let narrow = labelled.filter { $0["labelClass"] == "" }
            #expect(labelled.count <= 8, "\(count) columns")
            #expect(!narrow.isEmpty && narrow.count <= 3, "\(count) columns: \(narrow.count) labels on a phone")
            #expect(chart.narrowLabelEvery % chart.labelEvery == 0)
            #expect(views.allSatisfy { $0["x"]!.hasSuffix("%") && $0["labelX"]!.hasSuffix("%") })
            let valuesShown = views.filter { $0["valueLabel"] != nil && $0["valueClass"] == "" }.count
            #expect(valuesShown == (count <= 8 ? count : 0), "\(count) columns")
        }
    }
}
