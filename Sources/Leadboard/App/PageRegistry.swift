/// Every page type of the app. Start-up checks that each one's template (and every partial those
/// templates use) exists; `PageRegistryTests` fails when a type conforming to `Page` is missing here.
enum PageRegistry {
    static let all: [any Page.Type] = [
        ErrorPage.self, LoginPage.self, AccountPage.self, DashboardPage.self,
        LeadsIndexPage.self, LeadFormPage.self, LeadShowPage.self, ActivityIndexPage.self, MovePage.self,
        BoardPage.self, ReportsPage.self, ImportUploadPage.self, ImportPreviewPage.self,
        UsersIndexPage.self, UserFormPage.self, PipelinePage.self, CustomFieldsPage.self, CustomFieldFormPage.self, ConfirmPage.self, ScoringPage.self,
    ]
}
