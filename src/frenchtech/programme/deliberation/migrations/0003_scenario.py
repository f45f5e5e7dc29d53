"""What-if scenarios saved during the deliberation (they never change a decision)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('deliberation', '0002_protect_decisions_and_publications'),
        ('dossiers', '0002_protect_submitted_published'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Scenario',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, verbose_name='name')),
                ('keys', models.JSONField(default=dict, verbose_name='settings changed')),
                ('changes', models.JSONField(default=list, verbose_name='decisions that would change')),
                ('author_name', models.CharField(blank=True, max_length=150, verbose_name='who')),
                ('created', models.DateTimeField(default=django.utils.timezone.now, verbose_name='when')),
                ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who')),
                ('call', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='scenarios', to='dossiers.call')),
            ],
            options={
                'verbose_name': 'what-if scenario',
                'verbose_name_plural': 'what-if scenarios',
                'ordering': ['-created', '-pk'],
                'constraints': [models.UniqueConstraint(fields=('call', 'name'), name='deliberation_one_scenario_per_name')],
            },
        ),
    ]
