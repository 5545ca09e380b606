"""DCAT-AP 3.0.1 descriptions of the catalogue: pure functions from datasets to RDF triples.

Only published datasets are described. Closed datasets keep their metadata but get no
distributions and are not served by the data API. Vocabulary nodes (themes, frequencies,
file types, media types, licences, locations) carry their class so range shapes hold offline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session, selectinload

from kaifang.auth.actor import Actor
from kaifang.auth.models import Organization
from kaifang.catalog.models import Dataset, Resource
from kaifang.catalog.quality import STANDARD_LICENCES
from kaifang.catalog.visibility import visible_clause
from kaifang.catalog.vocabularies import VocabularyIndex
from kaifang.interop.rdf import IRI, BNode, Literal, Subject, Triple, ns

EU = "http://publications.europa.eu/resource/authority/"
IANA = "https://www.iana.org/assignments/media-types/"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"
PAGE_SIZE = 100
FREQUENCIES = {
    "realtime": "UPDATE_CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "semiannual": "ANNUAL_2",
    "yearly": "ANNUAL",
    "irregular": "IRREG",
    "static": "NEVER",
}
PUBLISHER_TYPE = IRI("http://purl.org/adms/publishertype/LocalAuthority")
CHINESE = IRI(f"{EU}language/ZHO")
STABLE = IRI(f"{EU}planned-availability/STABLE")
ACCESS_RIGHTS = {"unconditional": "PUBLIC", "conditional": "RESTRICTED", "closed": "NON_PUBLIC"}


@dataclass(frozen=True)
class ExportFormat:
    """One download format of our export endpoint with its EU file type and IANA media type."""

    extension: str
    file_type: str
    media_type: str


EXPORT_FORMATS = (
    ExportFormat("csv", "CSV", "text/csv"),
    ExportFormat(
        "xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    ExportFormat("json", "JSON", "application/json"),
    ExportFormat("xml", "XML", "application/xml"),
    ExportFormat("parquet", "PARQUET", "application/vnd.apache.parquet"),
)


@dataclass(frozen=True)
class DcatLinks:
    """IRIs of catalogue things, all under ``base`` (no trailing slash)."""

    base: str

    def catalog(self) -> IRI:
        return IRI(f"{self.base}/catalog")

    def dataset(self, dataset: Dataset) -> IRI:
        return IRI(f"{self.base}/datasets/{dataset.id}")

    def distribution(self, dataset: Dataset, extension: str) -> IRI:
        return IRI(f"{self.base}/datasets/{dataset.id}/distributions/{extension}")

    def export_url(self, dataset: Dataset, extension: str) -> IRI:
        return IRI(f"{self.base}/api/v1/datasets/{dataset.id}/export.{extension}")

    def publisher(self, org: Organization) -> IRI:
        return IRI(f"{self.base}/organizations/{quote(org.slug, safe='')}")

    def platform(self) -> IRI:
        return IRI(f"{self.base}/#publisher")

    def service(self) -> IRI:
        return IRI(f"{self.base}/api/v1")

    def theme_scheme(self) -> IRI:
        return IRI(f"{self.base}/vocabularies/domain")

    def theme(self, code: str) -> IRI:
        return IRI(f"{self.base}/vocabularies/domain/{quote(code, safe='')}")

    def region(self, code: str) -> IRI:
        return IRI(f"{self.base}/regions/{quote(code, safe='')}")

    def licence(self, code: str) -> IRI:
        return IRI(STANDARD_LICENCES.get(code) or f"{self.base}/licences/{quote(code, safe='')}")


def zh(text: str) -> Literal:
    """A literal tagged ``@zh``."""
    return Literal(text, lang="zh")


def a(subject: Subject, cls: str) -> Triple:
    """The ``rdf:type`` triple of ``subject``."""
    return (subject, ns("rdf:type"), ns(cls))


def access_right(dataset: Dataset) -> IRI:
    """The EU access-right IRI of the dataset's open attribute."""
    return IRI(f"{EU}access-right/{ACCESS_RIGHTS.get(dataset.open_attribute, 'NON_PUBLIC')}")


def when(value: dt.datetime | dt.date) -> Literal:
    """An ``xsd:dateTime`` (UTC) or ``xsd:date`` literal."""
    if isinstance(value, dt.datetime):
        text = value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        return Literal(text, datatype=XSD_DATETIME)
    return Literal(value.isoformat(), datatype=XSD_DATE)


def has_served_data(dataset: Dataset) -> bool:
    """Whether the export endpoints and data API can serve this dataset."""
    if dataset.status != "published" or dataset.open_attribute == "closed":
        return False
    return any(r.kind == "file" and r.current_version_id for r in dataset.resources)


# --- dataset ---------------------------------------------------------------------------------


def concept_triples(node: IRI, label: str) -> list[Triple]:
    """A ``skos:Concept`` with the Chinese preferred label the shapes require."""
    return [a(node, "skos:Concept"), (node, ns("skos:prefLabel"), zh(label))]


def agent_triples(node: IRI, name: str) -> list[Triple]:
    """A public body as a ``foaf:Agent`` with its name and ADMS publisher type."""
    return [
        a(node, "foaf:Agent"),
        (node, ns("foaf:name"), zh(name)),
        (node, ns("dct:type"), PUBLISHER_TYPE),
        *concept_triples(PUBLISHER_TYPE, "地方公共机构"),
    ]


def publisher_triples(org: Organization, links: DcatLinks) -> list[Triple]:
    """The organization as the publishing agent."""
    return agent_triples(links.publisher(org), org.name)


def contact_triples(dataset: Dataset, node: BNode) -> list[Triple]:
    """The contact point as a vCard organization (name, email, phone)."""
    name = dataset.contact_name or dataset.organization.name
    out: list[Triple] = [
        a(node, "vcard:Kind"),
        a(node, "vcard:Organization"),
        (node, ns("vcard:fn"), zh(name)),
    ]
    if dataset.contact_email:
        out.append((node, ns("vcard:hasEmail"), IRI(f"mailto:{dataset.contact_email.strip()}")))
    if dataset.contact_phone:
        tel = "".join(c for c in dataset.contact_phone if c.isdigit() or c in "+-")
        out.append((node, ns("vcard:hasTelephone"), IRI(f"tel:{tel}")))
    return out


def theme_triples(dataset: Dataset, vocab: VocabularyIndex, links: DcatLinks) -> list[Triple]:
    """Domains as ``dcat:theme`` concepts of our domain scheme, plus ``dcat:keyword``."""
    node = links.dataset(dataset)
    out: list[Triple] = []
    for code in dataset.domains or []:
        theme = links.theme(code)
        out += [
            (node, ns("dcat:theme"), theme),
            a(theme, "skos:Concept"),
            (theme, ns("skos:prefLabel"), zh(vocab.label("domain", code) or code)),
            (theme, ns("skos:inScheme"), links.theme_scheme()),
        ]
    out += [(node, ns("dcat:keyword"), zh(k)) for k in dataset.keywords or []]
    return out


def frequency_triples(dataset: Dataset, links: DcatLinks) -> list[Triple]:
    """``dct:accrualPeriodicity`` as an EU frequency IRI."""
    code = FREQUENCIES.get(dataset.update_frequency)
    if code is None:
        return []
    freq = IRI(f"{EU}frequency/{code}")
    node = links.dataset(dataset)
    return [(node, ns("dct:accrualPeriodicity"), freq), a(freq, "dct:Frequency")]


def coverage_triples(dataset: Dataset, links: DcatLinks, period: BNode) -> list[Triple]:
    """``dct:spatial`` (the region as a ``dct:Location``) and ``dct:temporal``."""
    node = links.dataset(dataset)
    region = links.region(dataset.region_code)
    out: list[Triple] = [(node, ns("dct:spatial"), region), a(region, "dct:Location")]
    if dataset.spatial_coverage:
        out.append((region, ns("locn:geographicName"), zh(dataset.spatial_coverage)))
    if dataset.temporal_start or dataset.temporal_end:
        out += [(node, ns("dct:temporal"), period), a(period, "dct:PeriodOfTime")]
        if dataset.temporal_start:
            out.append((period, ns("dcat:startDate"), when(dataset.temporal_start)))
        if dataset.temporal_end:
            out.append((period, ns("dcat:endDate"), when(dataset.temporal_end)))
    return out


def licence_triples(dataset: Dataset, vocab: VocabularyIndex, links: DcatLinks) -> list[Triple]:
    """The licence document (typed ``dct:LicenseDocument``) with its Chinese title."""
    if not dataset.licence:
        return []
    node = links.licence(dataset.licence)
    title = vocab.label("licence", dataset.licence) or dataset.licence
    return [a(node, "dct:LicenseDocument"), (node, ns("dct:title"), zh(title))]


def distribution_triples(
    dataset: Dataset, fmt: ExportFormat, links: DcatLinks, licence: IRI | None
) -> list[Triple]:
    """One download format of the export endpoint as a ``dcat:Distribution``."""
    node = links.distribution(dataset, fmt.extension)
    url = links.export_url(dataset, fmt.extension)
    rights = access_right(dataset)
    file_type = IRI(f"{EU}file-type/{fmt.file_type}")
    media = IRI(IANA + fmt.media_type)
    out: list[Triple] = [
        (links.dataset(dataset), ns("dcat:distribution"), node),
        a(node, "dcat:Distribution"),
        (node, ns("dct:title"), zh(f"{dataset.title}（{fmt.file_type}）")),
        (node, ns("dct:description"), zh(f"以 {fmt.file_type} 格式下载公开数据（可按条件筛选）。")),
        (node, ns("dcatap:availability"), STABLE),
        *concept_triples(STABLE, "稳定"),
        (node, ns("dcat:accessURL"), url),
        (node, ns("dcat:downloadURL"), url),
        (node, ns("dcat:accessService"), links.service()),
        (node, ns("dct:format"), file_type),
        a(file_type, "dct:MediaTypeOrExtent"),
        (node, ns("dcat:mediaType"), media),
        a(media, "dct:MediaType"),
        (node, ns("dct:rights"), rights),
        a(rights, "dct:RightsStatement"),
    ]
    if licence is not None:
        out.append((node, ns("dct:license"), licence))
    return out


def dataset_core(dataset: Dataset, links: DcatLinks) -> list[Triple]:
    """Identifier, title, description, dates, publisher and access rights of one dataset."""
    node = links.dataset(dataset)
    rights = access_right(dataset)
    out: list[Triple] = [
        a(node, "dcat:Dataset"),
        (node, ns("dct:identifier"), Literal(dataset.catalog_code)),
        (node, ns("dct:title"), zh(dataset.title)),
        (node, ns("dct:description"), zh(dataset.summary or dataset.title)),
        (node, ns("dct:publisher"), links.publisher(dataset.organization)),
        (node, ns("dct:accessRights"), rights),
        a(rights, "dct:RightsStatement"),
        (node, ns("dct:modified"), when(dataset.modified_at)),
    ]
    if dataset.first_published_at is not None:
        out.append((node, ns("dct:issued"), when(dataset.first_published_at)))
    return out + publisher_triples(dataset.organization, links)


def dataset_triples(dataset: Dataset, vocab: VocabularyIndex, links: DcatLinks) -> list[Triple]:
    """Every triple describing one published dataset (distributions only when data is served)."""
    node = links.dataset(dataset)
    contact, period = BNode(f"contact{dataset.id}"), BNode(f"period{dataset.id}")
    out = dataset_core(dataset, links)
    out += [(node, ns("dcat:contactPoint"), contact), *contact_triples(dataset, contact)]
    out += theme_triples(dataset, vocab, links)
    out += frequency_triples(dataset, links)
    out += coverage_triples(dataset, links, period)
    licence = licence_triples(dataset, vocab, links)
    out += licence
    if has_served_data(dataset):
        licence_iri = links.licence(dataset.licence) if dataset.licence else None
        for fmt in EXPORT_FORMATS:
            out += distribution_triples(dataset, fmt, links, licence_iri)
    return out


# --- catalogue and data service --------------------------------------------------------------


def service_triples(datasets: Iterable[Dataset], links: DcatLinks) -> list[Triple]:
    """The data API as a ``dcat:DataService`` serving every dataset with served data."""
    node = links.service()
    out: list[Triple] = [
        a(node, "dcat:DataService"),
        (node, ns("dct:title"), zh("开放数据接口")),
        (node, ns("dcat:endpointURL"), node),
        (node, ns("dcat:endpointDescription"), IRI(f"{links.base}/openapi.json")),
        (node, ns("dct:publisher"), links.platform()),
    ]
    out += [(node, ns("dcat:servesDataset"), links.dataset(d)) for d in datasets]
    return out


def platform_triples(links: DcatLinks) -> list[Triple]:
    """The platform operator as the catalogue's ``foaf:Agent``."""
    return agent_triples(links.platform(), "公共数据开放平台")


def scheme_triples(links: DcatLinks) -> list[Triple]:
    """Our domain list (开放领域) as the catalogue's theme taxonomy."""
    node = links.theme_scheme()
    return [a(node, "skos:ConceptScheme"), (node, ns("dct:title"), zh("开放领域"))]


@dataclass(frozen=True)
class Page:
    """One page of the catalogue: number, size, total and the page URL without ``page``."""

    number: int
    size: int
    total: int
    url: str
    params: tuple[tuple[str, str], ...] = ()

    def link(self, number: int) -> IRI:
        return IRI(f"{self.url}?{urlencode([*self.params, ('page', str(number))])}")

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


def paging_triples(page: Page) -> list[Triple]:
    """Hydra paging information (as ckanext-dcat emits it)."""
    node = page.link(page.number)
    out: list[Triple] = [
        a(node, "hydra:PartialCollectionView"),
        (node, ns("hydra:totalItems"), Literal(str(page.total), datatype=XSD_INTEGER)),
        (node, ns("hydra:itemsPerPage"), Literal(str(page.size), datatype=XSD_INTEGER)),
        (node, ns("hydra:first"), page.link(1)),
        (node, ns("hydra:last"), page.link(page.last)),
    ]
    if page.number > 1:
        out.append((node, ns("hydra:previous"), page.link(min(page.number - 1, page.last))))
    if page.number < page.last:
        out.append((node, ns("hydra:next"), page.link(page.number + 1)))
    return out


def catalog_triples(
    datasets: Sequence[Dataset], vocab: VocabularyIndex, links: DcatLinks, page: Page | None
) -> list[Triple]:
    """The catalogue, its data service and every dataset of the page."""
    node = links.catalog()
    served = [d for d in datasets if has_served_data(d)]
    out: list[Triple] = [
        a(node, "dcat:Catalog"),
        (node, ns("dct:title"), zh("公共数据开放目录")),
        (node, ns("dct:description"), zh("本平台发布的公共数据集目录（DCAT-AP 3.0.1）。")),
        (node, ns("dct:publisher"), links.platform()),
        (node, ns("foaf:homepage"), IRI(f"{links.base}/")),
        a(IRI(f"{links.base}/"), "foaf:Document"),
        (node, ns("dct:language"), CHINESE),
        a(CHINESE, "dct:LinguisticSystem"),
        (node, ns("dcat:themeTaxonomy"), links.theme_scheme()),
        (node, ns("dcat:service"), links.service()),
        *platform_triples(links),
        *scheme_triples(links),
        *service_triples(served, links),
    ]
    if datasets:
        out.append((node, ns("dct:modified"), when(max(d.modified_at for d in datasets))))
    for dataset in datasets:
        out.append((node, ns("dcat:dataset"), links.dataset(dataset)))
        out += dataset_triples(dataset, vocab, links)
    return out + (paging_triples(page) if page else [])


def single_dataset_triples(
    dataset: Dataset, vocab: VocabularyIndex, links: DcatLinks
) -> list[Triple]:
    """One dataset with the data service that serves it (when it is served)."""
    out = dataset_triples(dataset, vocab, links)
    if has_served_data(dataset):
        out += platform_triples(links) + service_triples([dataset], links)
    return out


# --- reads -----------------------------------------------------------------------------------


def published_clause(actor: Actor, modified_since: dt.datetime | None) -> ColumnElement[bool]:
    """Published, visible datasets, optionally only those modified at or after a time."""
    clause = and_(visible_clause(actor), Dataset.status == "published")
    if modified_since is not None:
        clause = and_(clause, Dataset.modified_at >= modified_since)
    return clause


def catalog_page(
    session: Session,
    *,
    actor: Actor,
    page: int,
    modified_since: dt.datetime | None = None,
    size: int = PAGE_SIZE,
) -> tuple[int, list[Dataset]]:
    """The total of published datasets and one page of them, oldest id first."""
    clause = published_clause(actor, modified_since)
    total = session.scalar(select(func.count(Dataset.id)).where(clause)) or 0
    stmt = select(Dataset).where(clause).order_by(Dataset.id).offset((page - 1) * size).limit(size)
    stmt = stmt.options(selectinload(Dataset.resources).selectinload(Resource.versions))
    return int(total), list(session.scalars(stmt).unique())


def find_published(session: Session, *, actor: Actor, ref: str) -> Dataset | None:
    """A published dataset by numeric id or catalogue code; None when unknown or unpublished."""
    match = Dataset.catalog_code == ref
    if ref.isdigit():
        match = (Dataset.id == int(ref)) | match
    stmt = select(Dataset).where(match, published_clause(actor, None))
    stmt = stmt.options(
        selectinload(Dataset.resources).selectinload(Resource.versions),
        selectinload(Dataset.items),
    )
    return session.scalars(stmt).unique().first()
