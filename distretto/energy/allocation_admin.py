"""Admin of the heating-cost allocation: runs are read-only once closed."""

from django.contrib import admin

from distretto.energy.allocation_models import AllocationCost, AllocationRun, UnitAllocation


class AllocationCostInline(admin.TabularInline):
    model = AllocationCost
    extra = 0


@admin.register(AllocationRun)
class AllocationRunAdmin(admin.ModelAdmin):
    list_display = ["site", "period_start", "period_end", "status", "total", "created_at"]
    list_filter = ["status", "involuntary_method"]
    inlines = [AllocationCostInline]
    readonly_fields = ["inputs", "closed_at", "closed_by", "created_by"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.is_closed

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.is_closed


@admin.register(UnitAllocation)
class UnitAllocationAdmin(admin.ModelAdmin):
    list_display = ["run", "unit", "millesimi_heat", "estimated", "voluntary_quantity", "total"]
    list_filter = ["estimated"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.run.is_closed

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.run.is_closed
