"""``GET /services/data/vNN.0/limits/``: every documented limit with ``Max`` and ``Remaining``.

https://developer.salesforce.com/docs/platform/api-rest/guide/resources-limits.html (the Response Body table;
cross-checked against public clients' typed models of the response). Only ``DailyApiRequests`` moves: it is the
counter the emulator keeps; the others report a fresh Developer Edition org's allocation, fully remaining.
"""

from __future__ import annotations

from ..context import Request, Response
from ..org import Org

#: Limit name -> Max of a fresh org (Remaining = Max).
STATIC_LIMITS: dict[str, int] = {
    "ActiveScratchOrgs": 3,
    "AnalyticsExternalDataSizeMB": 40960,
    "ConcurrentAsyncGetReportInstances": 200,
    "ConcurrentEinsteinDataInsightsStoryCreation": 5,
    "ConcurrentEinsteinDiscoveryStoryCreation": 2,
    "ConcurrentSyncReportRuns": 20,
    "DailyAnalyticsDataflowJobExecutions": 60,
    "DailyAnalyticsUploadedFilesSizeMB": 51200,
    "DailyAsyncApexExecutions": 250000,
    "DailyAsyncApexTests": 500,
    "DailyBulkApiBatches": 15000,
    "DailyBulkV2QueryFileStorageMB": 976562,
    "DailyBulkV2QueryJobs": 10000,
    "DailyDeliveredPlatformEvents": 10000,
    "DailyDurableGenericStreamingApiEvents": 10000,
    "DailyDurableStreamingApiEvents": 10000,
    "DailyEinsteinDataInsightsStoryCreation": 1000,
    "DailyEinsteinDiscoveryPredictAPICalls": 50000,
    "DailyEinsteinDiscoveryPredictionsByCDC": 500000,
    "DailyEinsteinDiscoveryStoryCreation": 100,
    "DailyFunctionsApiCallLimit": 235000,
    "DailyGenericStreamingApiEvents": 10000,
    "DailyScratchOrgs": 6,
    "DailyStandardVolumePlatformEvents": 10000,
    "DailyStreamingApiEvents": 10000,
    "DailyWorkflowEmails": 390,
    "DataStorageMB": 5,
    "DurableStreamingApiConcurrentClients": 20,
    "FileStorageMB": 20,
    "HourlyAsyncReportRuns": 1200,
    "HourlyDashboardRefreshes": 200,
    "HourlyDashboardResults": 5000,
    "HourlyDashboardStatuses": 999999999,
    "HourlyLongTermIdMapping": 100000,
    "HourlyManagedContentPublicRequests": 50000,
    "HourlyODataCallout": 20000,
    "HourlyPublishedPlatformEvents": 50000,
    "HourlyPublishedStandardVolumePlatformEvents": 1000,
    "HourlyShortTermIdMapping": 100000,
    "HourlySyncReportRuns": 500,
    "HourlyTimeBasedWorkflow": 50,
    "MassEmail": 10,
    "MonthlyEinsteinDiscoveryStoryCreation": 500,
    "MonthlyPlatformEventsUsageEntitlement": 0,
    "Package2VersionCreates": 6,
    "Package2VersionCreatesWithoutValidation": 500,
    "PrivateConnectOutboundCalloutHourlyLimitMB": 0,
    "PublishCallbackUsageInApex": 5000000,
    "SingleEmail": 15,
    "StreamingApiConcurrentClients": 20,
}


def handle(org: Org, req: Request) -> Response:
    used, limit = org.quota.usage()
    body: dict[str, dict[str, int]] = {
        name: {"Max": cap, "Remaining": cap} for name, cap in STATIC_LIMITS.items()
    }
    body["DailyApiRequests"] = {"Max": limit, "Remaining": max(0, limit - used)}
    # PermissionSets nests its custom-set limit (documented shape).
    body["PermissionSets"] = {
        "Max": 1500,
        "Remaining": 1500,
        "CreateCustom": {"Max": 1000, "Remaining": 1000},
    }
    return Response(200, dict(sorted(body.items())))
