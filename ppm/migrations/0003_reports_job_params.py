"""Report jobs gain params (hashed into the key), progress, a short log, row errors and a result;
the object id becomes an integer; each job gets the random token of its files' path.
"""

import hashlib
import json
import secrets

from django.db import migrations, models

import ppm.models


def _params_hash(params: dict) -> str:
    # Same canonical form as ppm.reports.report_params_hash (copied: migrations stay frozen).
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def forwards(apps, schema_editor):
    ReportJob = apps.get_model("ppm", "ReportJob")
    for job in ReportJob.objects.all().iterator():
        raw = (job.object_id or "").strip()
        job.object_id = raw if raw.isdigit() else None
        job.params = {"language": job.language} if job.language else {}
        job.params_hash = _params_hash(job.params)
        job.token = secrets.token_urlsafe(24)
        job.save(update_fields=["object_id", "params", "params_hash", "token"])


def backwards(apps, schema_editor):
    ReportJob = apps.get_model("ppm", "ReportJob")
    ReportJob.objects.filter(object_id__isnull=True).update(object_id="")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('ppm', '0002_reportjob_object_version_language'),
    ]

    operations = [
        migrations.AddField(
            model_name='reportjob',
            name='error_code',
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AddField(
            model_name='reportjob',
            name='log',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='reportjob',
            name='params',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='reportjob',
            name='params_hash',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='reportjob',
            name='progress',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='reportjob',
            name='result',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='reportjob',
            name='row_errors',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='reportjob',
            name='token',
            field=models.CharField(default=ppm.models.report_job_token, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name='reportjob',
            name='key',
            field=models.CharField(max_length=255, unique=True),
        ),
        migrations.AlterField(
            model_name='reportjob',
            name='object_id',
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name='reportjob',
            name='object_id',
            field=models.PositiveBigIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='reportjob',
            index=models.Index(fields=['status', 'created_at'], name='ppm_reportj_status_aeb7cd_idx'),
        ),
        migrations.AddConstraint(
            model_name='reportjob',
            constraint=models.CheckConstraint(condition=models.Q(('progress__lte', 100)), name='reportjob_progress_lte_100'),
        ),
    ]
