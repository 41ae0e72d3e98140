"""Chambers, comuni, districts, business networks and projects over the API."""

import pytest

from distretto.territory.models import Project
from distretto.testing import ApiClient, ComuneFactory, ProjectFactory, error_of

pytestmark = pytest.mark.django_db


def new_district(chamber_id: int, **overrides) -> dict:
    return {
        "chamber": chamber_id,
        "name": "Distretto di Codogno",
        "slug": "codogno",
        "kind": "urban_commerce",
        "comune": "098031",
        "centre_lat": 45.16,
        "centre_lon": 9.70,
        **overrides,
    }


class TestChambersAndComuni:
    def test_operator_sees_own_chamber_only(self, actors):
        body = ApiClient(actors.operator).get("territory/chambers").json()
        assert [c["code"] for c in body["items"]] == ["lodi"]
        response = ApiClient(actors.operator).get(f"territory/chambers/{actors.other_chamber.pk}")
        assert response.status_code == 404

    def test_only_the_platform_admin_creates_chambers(self, actors):
        payload = {"name": "Camera di Commercio di Bergamo", "code": "bergamo"}
        assert ApiClient(actors.operator).post("territory/chambers", payload).status_code == 403
        response = ApiClient(actors.admin).post("territory/chambers", payload)
        assert response.status_code == 201 and response.json()["code"] == "bergamo"
        duplicate = ApiClient(actors.admin).post("territory/chambers", payload)
        assert duplicate.status_code == 422 and error_of(duplicate)["field"] == "code"

    def test_operator_renames_own_chamber_manager_cannot(self, actors):
        path = f"territory/chambers/{actors.chamber.pk}"
        assert ApiClient(actors.manager).patch(path, {"name": "CCIAA Lodi"}).status_code == 403
        response = ApiClient(actors.operator).patch(path, {"name": "CCIAA Lodi"})
        assert response.status_code == 200 and response.json()["name"] == "CCIAA Lodi"
        other = f"territory/chambers/{actors.other_chamber.pk}"
        assert ApiClient(actors.operator).patch(other, {"name": "x"}).status_code == 404

    def test_comuni_are_reference_data_for_every_signed_in_user(self, actors):
        ComuneFactory(
            istat_code="004078",
            name="Cuneo",
            province="CN",
            province_name="Cuneo",
            region="Piemonte",
        )
        api = ApiClient(actors.cardholder)
        body = api.get("territory/comuni", {"province": "cn"}).json()
        assert [c["name"] for c in body["items"]] == ["Cuneo"]
        assert api.get("territory/comuni/98031").json()["name"] == "Lodi"
        assert api.get("territory/comuni/000000").status_code == 404

    def test_comuni_need_authentication(self, actors, anonymous_api):
        assert anonymous_api.get("territory/comuni").status_code == 401


class TestDistricts:
    def test_operator_creates_a_district_in_their_chamber(self, actors):
        response = ApiClient(actors.operator).post(
            "territory/districts", new_district(actors.chamber.pk)
        )
        assert response.status_code == 201, response.content
        assert response.json()["time_zone"] == "Europe/Rome"

    def test_manager_cannot_create_districts(self, actors):
        response = ApiClient(actors.manager).post(
            "territory/districts", new_district(actors.chamber.pk)
        )
        assert response.status_code == 403

    def test_operator_cannot_create_in_another_chamber(self, actors):
        response = ApiClient(actors.operator).post(
            "territory/districts", new_district(actors.other_chamber.pk)
        )
        assert response.status_code == 422
        assert error_of(response)["field"] == "chamber"

    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"kind": "mall"}, "kind"),
            ({"time_zone": "Mars/Olympus"}, "time_zone"),
            ({"centre_lat": 123}, "centre_lat"),
            ({"slug": "has spaces"}, "slug"),
            ({"boundary": {"type": "Point", "coordinates": [1, 2]}}, "boundary"),
        ],
    )
    def test_invalid_district_is_422_naming_the_field(self, actors, overrides, field):
        response = ApiClient(actors.operator).post(
            "territory/districts", new_district(actors.chamber.pk, **overrides)
        )
        assert response.status_code == 422, response.content
        assert error_of(response)["field"] == field

    def test_duplicate_slug_is_422(self, actors):
        response = ApiClient(actors.operator).post(
            "territory/districts", new_district(actors.chamber.pk, slug="lodi")
        )
        assert response.status_code == 422
        assert error_of(response)["field"] == "slug"

    def test_manager_updates_own_district_and_not_others(self, actors):
        api = ApiClient(actors.manager)
        response = api.patch(f"territory/districts/{actors.district.pk}", {"name": "DUC Lodi"})
        assert response.json()["name"] == "DUC Lodi"
        assert (
            api.patch(f"territory/districts/{actors.other_district.pk}", {"name": "x"}).status_code
            == 404
        )

    def test_deactivate_district(self, actors):
        response = ApiClient(actors.operator).post(
            f"territory/districts/{actors.district.pk}/deactivate"
        )
        assert response.json()["active"] is False

    def test_outsider_sees_only_their_district(self, actors):
        body = ApiClient(actors.outsider).get("territory/districts").json()
        assert [d["slug"] for d in body["items"]] == ["cuneo"]


class TestNetworks:
    def test_operator_creates_a_network_with_members(self, actors):
        response = ApiClient(actors.operator).post(
            "territory/networks",
            {
                "chamber": actors.chamber.pk,
                "district": actors.district.pk,
                "name": "Rete dei negozi storici",
                "members": [actors.shop.pk, actors.other_shop.pk],
                "contract_date": "2024-03-01",
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["members"] == sorted([actors.shop.pk, actors.other_shop.pk])

    def test_foreign_member_is_422(self, actors):
        response = ApiClient(actors.manager).post(
            "territory/networks",
            {
                "chamber": actors.chamber.pk,
                "district": actors.district.pk,
                "name": "Rete",
                "members": [actors.foreign_shop.pk],
            },
        )
        assert response.status_code == 422
        assert error_of(response)["field"] == "members"

    def test_merchant_sees_networks_it_belongs_to_but_cannot_edit(self, actors):
        network = (
            ApiClient(actors.manager)
            .post(
                "territory/networks",
                {
                    "chamber": actors.chamber.pk,
                    "district": actors.district.pk,
                    "name": "Rete",
                    "members": [actors.shop.pk],
                },
            )
            .json()
        )
        merchant = ApiClient(actors.merchant)
        assert merchant.get(f"territory/networks/{network['id']}").status_code == 200
        assert (
            merchant.patch(f"territory/networks/{network['id']}", {"name": "Mia"}).status_code
            == 403
        )
        assert (
            ApiClient(actors.outsider).get(f"territory/networks/{network['id']}").status_code == 404
        )

    def test_bad_contract_date_is_422(self, actors):
        response = ApiClient(actors.manager).post(
            "territory/networks",
            {"chamber": actors.chamber.pk, "name": "Rete", "contract_date": "2024-13-45"},
        )
        assert response.status_code == 422
        assert error_of(response)["field"] == "contract_date"


class TestProjects:
    def payload(self, chamber_id: int, **overrides) -> dict:
        return {
            "chamber": chamber_id,
            "title": "Vetrine digitali",
            "comune": "098031",
            "axes": ["new_technologies", "territorial_marketing"],
            "year": 2024,
            "budget": "45000.00",
            "lat": 45.31,
            "lon": 9.50,
            **overrides,
        }

    def test_operator_creates_a_project(self, actors):
        response = ApiClient(actors.operator).post(
            "territory/projects", self.payload(actors.chamber.pk)
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["axes"] == ["new_technologies", "territorial_marketing"]
        assert body["budget"] == "45000.00"

    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"axes": ["tourism"]}, "axes"),
            ({"axes": []}, "axes"),
            ({"year": 1800}, "year"),
            ({"budget": "12.345"}, "budget"),
            ({"status": "dreaming"}, "status"),
            ({"url": "not a url"}, "url"),
        ],
    )
    def test_invalid_project_is_422_naming_the_field(self, actors, overrides, field):
        response = ApiClient(actors.operator).post(
            "territory/projects", self.payload(actors.chamber.pk, **overrides)
        )
        assert response.status_code == 422, response.content
        assert error_of(response)["field"] == field

    def test_filter_by_axis_comune_and_year(self, actors):
        ProjectFactory(chamber=actors.chamber, title="A", year=2023, comune_id="098031")
        b = ProjectFactory(
            chamber=actors.chamber,
            title="B",
            year=2024,
            axis_new_technologies=False,
            axis_business_networks=True,
        )
        api = ApiClient(actors.manager)
        assert [
            p["title"]
            for p in api.get("territory/projects", {"axis": "business_networks"}).json()["items"]
        ] == ["B"]
        assert [
            p["title"] for p in api.get("territory/projects", {"year": 2023}).json()["items"]
        ] == ["A"]
        assert api.get("territory/projects", {"comune": "098031"}).json()["count"] == 1
        response = api.get("territory/projects", {"axis": "tourism"})
        assert response.status_code == 422 and error_of(response)["field"] == "axis"
        assert b.axes == ["business_networks"]

    def test_manager_reads_but_cannot_edit_chamber_projects(self, actors):
        project = ProjectFactory(chamber=actors.chamber)
        api = ApiClient(actors.manager)
        assert api.get(f"territory/projects/{project.pk}").status_code == 200
        assert api.patch(f"territory/projects/{project.pk}", {"title": "x"}).status_code == 403
        assert ApiClient(actors.outsider).get(f"territory/projects/{project.pk}").status_code == 404

    def test_deactivated_project_leaves_the_public_map(self, actors, client):
        project = ProjectFactory(chamber=actors.chamber)
        ApiClient(actors.operator).post(f"territory/projects/{project.pk}/deactivate")
        assert not Project.objects.get(pk=project.pk).active
        assert client.get("/territory/projects.geojson").json()["features"] == []
