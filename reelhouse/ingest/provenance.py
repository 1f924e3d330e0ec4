"""Ingest's part of a work's provenance (rights.provenance puts it together with the licence and notices): for each
asset published for the work, the delivery it came from (source, time, sha256), the identification decision, the
licence it was accepted under, the transcode job that made it and every file of the package with its sha256, read
from the files as they are now."""

import contextlib
import hashlib

from reelhouse.catalog.models import Work
from reelhouse.core.storage import media_read_stream, media_walk
from reelhouse.ingest.models import Delivery
from reelhouse.media.models import Asset, TranscodeJob
from reelhouse.rights.provenance import ProvenanceError, licence_json


def _sha256(name: str) -> str:
    digest = hashlib.sha256()
    with contextlib.closing(media_read_stream(name)) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def package_files(directory: str) -> list[dict]:
    """Every file of a published package (relative path, size, sha256), in path order, wherever it is stored."""
    return [{"path": f.name.removeprefix(directory + "/"), "size": f.size, "sha256": _sha256(f.name)}
            for f in sorted(media_walk(directory), key=lambda f: f.name)]


def _delivery(delivery: Delivery | None) -> dict | None:
    if delivery is None:
        return None
    identify = [d for d in delivery.decisions if d.get("step") in ("identify", "metadata", "replacement")]
    return {"id": delivery.pk, "source": {"id": delivery.source_id, "name": delivery.source.name,
                                          "kind": delivery.source.kind, "licensor": delivery.source.licensor.name},
            "path": delivery.path, "origin_url": delivery.origin_url or None, "size": delivery.size,
            "sha256": delivery.sha256, "first_seen_at": delivery.first_seen_at.isoformat(), "state": delivery.state,
            "identification": {"identity": {k: v for k, v in delivery.identity.items() if k != "subtitles"},
                               "override": delivery.override or None, "decisions": identify},
            "licence": licence_json(delivery.licence), "decisions": delivery.decisions}


def _job(job: TranscodeJob | None) -> dict | None:
    if job is None:
        return None
    return {"id": job.pk, "state": job.state, "attempts": job.attempts, "created_at": job.created_at.isoformat(),
            "started_at": job.started_at.isoformat() if job.started_at else None,
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "package_dir": job.package_dir}


def ingest_provenance(work_id: int) -> dict:
    work = Work.objects.select_related("licence__licensor").filter(pk=work_id).first()
    if work is None:
        raise ProvenanceError(f"no work #{work_id}")
    assets = (Asset.objects.filter(work=work, provisional=False).select_related("delivery__source__licensor",
                                                                                "delivery__licence__licensor")
              .order_by("created_at"))
    out = []
    for asset in assets:
        job = (TranscodeJob.objects.filter(asset=asset).order_by("-created_at").first()
               or (TranscodeJob.objects.filter(delivery_id=asset.delivery_id).order_by("-created_at").first()
                   if asset.delivery_id else None))
        out.append({"asset": {"id": asset.pk, "directory": asset.directory, "current": asset.pk == work.asset_id,
                              "created_at": asset.created_at.isoformat(), "source_sha256": asset.source_sha256,
                              "width": asset.width, "height": asset.height, "duration_s": asset.duration_s},
                    "delivery": _delivery(asset.delivery), "transcode_job": _job(job),
                    "files": package_files(asset.directory)})
    return {"work": {"id": work.pk, "kind": work.kind, "title": str(work),
                     "published_at": work.published_at.isoformat() if work.published_at else None},
            "licence": licence_json(work.licence), "assets": out}
